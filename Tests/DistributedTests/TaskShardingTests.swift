import Distributed
import Testing

@Suite struct TaskShardingTests {
    @Test(arguments: [(5, 4), (8, 3), (1, 4), (0, 2), (12, 4), (7, 1)])
    func everyTaskRunsExactlyOnceInGatherOrder(_ tasks: Int, _ ranks: Int) {
        let s = TaskSharding(taskCount: tasks, rankCount: ranks)
        var seen: [Int] = []
        for r in 0..<ranks {
            let mine = s.tasks(ofRank: r)
            #expect(mine.count <= s.slotsPerRank)
            // Slot j of rank r lands at r·slots + j in the gathered buffer: task r·slots + j.
            for (j, t) in mine.enumerated() { #expect(t == r * s.slotsPerRank + j) }
            seen += mine
        }
        #expect(seen == Array(0..<tasks))
    }
}
