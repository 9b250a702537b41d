import Testing
import Training

@Suite struct BaseToNewSweepTests {
    /// Costs like the demo's (one zero-shot, cheap trainings, two ProMetaR) over three seeds.
    static let costs: [Double] = (0..<3).flatMap { _ in [1, 10, 10, 12, 40, 40, 12, 12] }

    @Test(arguments: [1, 2, 3, 4, 7])
    func everyRunGoesToExactlyOneRankInSweepOrder(ranks: Int) {
        let lists = BaseToNewSweep.assignment(costs: Self.costs, ranks: ranks)
        #expect(lists.count == ranks)
        #expect(lists.flatMap { $0 }.sorted() == Array(Self.costs.indices))
        for list in lists { #expect(list == list.sorted(), "a rank's runs keep the sweep's order") }
    }

    @Test func longestFirstBalancesTwoRanksWithinTheLargestRun() {
        let lists = BaseToNewSweep.assignment(costs: Self.costs, ranks: 2)
        let loads = lists.map { $0.reduce(0) { $0 + Self.costs[$1] } }
        // Greedy longest-first leaves the two loads at most one run's cost apart.
        #expect(abs(loads[0] - loads[1]) <= Self.costs.max()!, "loads \(loads)")
        #expect(loads[0] + loads[1] == Self.costs.reduce(0, +))
    }

    @Test func assignmentDependsOnlyOnCostsAndRanks() {
        #expect(BaseToNewSweep.assignment(costs: Self.costs, ranks: 3) == BaseToNewSweep.assignment(costs: Self.costs, ranks: 3))
        #expect(BaseToNewSweep.assignment(costs: [5, 5, 5], ranks: 2) == [[0, 2], [1]])
    }
}
