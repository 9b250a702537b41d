import Distributed
import Testing
import TestSupport

/// `split(color:key:)` over in-process ranks: the groups, ranks and sizes MPI_Comm_split
/// gives, and collectives that involve only the ranks of one group.
@Suite struct CommunicatorSplitTests {
    /// What one rank sees of its group.
    struct Seen: Sendable, Equatable {
        var rank: Int, size: Int
        var gathered: [Float], sum: [Float], maximum: [Float], broadcast: [Float]
        /// A sum over the whole job after the split (the job's own collectives still span it).
        var job: [Float]
    }

    /// Runs a job of `ranks`, splits it with `split`, and runs every collective in the groups
    /// (each rank contributes its job rank).
    static func seen(ranks: Int, _ split: @escaping @Sendable (any Communicator) throws -> any Communicator) throws -> [Seen] {
        try inProcessJob(ranks: ranks) { world in
            let group = try split(world)
            let mine = Float(world.rank)
            var sum = [mine, 1], maximum = [mine], broadcast = [mine]
            try group.allReduceSum(&sum)
            try group.allReduceMax(&maximum)
            try group.broadcast(&broadcast, root: group.size - 1)
            try group.barrier()
            let gathered = try group.allGather([mine])
            var job = [Float(1)]
            try world.allReduceSum(&job)
            return Seen(rank: group.rank, size: group.size, gathered: gathered, sum: sum, maximum: maximum, broadcast: broadcast, job: job)
        }
    }

    @Test(arguments: [(4, 1), (4, 2), (4, 4), (6, 2), (6, 3), (5, 5)])
    func groupsOfConsecutiveRanksRankTheirMembersInJobOrder(ranks: Int, groupSize: Int) throws {
        let seen = try Self.seen(ranks: ranks) { try $0.split(groupSize: groupSize) }
        for (job, s) in seen.enumerated() {
            let first = job / groupSize * groupSize, members = (first..<(first + groupSize)).map(Float.init)
            #expect(s.rank == job % groupSize && s.size == groupSize && s.job == [Float(ranks)], "job rank \(job): \(s)")
            #expect(s.gathered == members, "job rank \(job): \(s)")
            #expect(s.sum == [members.reduce(0, +), Float(groupSize)] && s.maximum == [members.last!] && s.broadcast == [members.last!],
                    "job rank \(job): \(s)")
        }
    }

    /// Colors need not be consecutive ranks, and the key orders a group (here backwards).
    @Test func colorChoosesTheGroupAndKeyTheOrder() throws {
        let seen = try Self.seen(ranks: 5) { try $0.split(color: $0.rank % 2 == 0 ? 7 : 3, key: -$0.rank) }
        let even: [Float] = [4, 2, 0], odd: [Float] = [3, 1]
        for (job, s) in seen.enumerated() {
            let members = job % 2 == 0 ? even : odd
            #expect(s.size == members.count && s.rank == members.firstIndex(of: Float(job))!, "job rank \(job): \(s)")
            #expect(s.gathered == members && s.broadcast == [members.last!], "job rank \(job): \(s)")
        }
    }

    /// A group splits again, as a sub-communicator of MPI's does.
    @Test func aGroupSplitsAgain() throws {
        let seen = try Self.seen(ranks: 8) { try $0.split(groupSize: 4).split(groupSize: 2) }
        #expect(seen.map(\.gathered) == [[0, 1], [0, 1], [2, 3], [2, 3], [4, 5], [4, 5], [6, 7], [6, 7]])
    }

    @Test func aOneRankJobSplitsIntoItself() throws {
        let group = try LocalCommunicator().split(groupSize: 1)
        #expect(group.rank == 0 && group.size == 1)
        #expect(try group.allGather([3]) == [3])
    }
}
