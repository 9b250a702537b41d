@testable import Distributed
import Testing

/// What the watch's messages say about the ranks a collective misses.
@Suite struct RollCallTests {
    let hosts = ["a", "b", "c", "d"]

    @Test func silentRanksAreNamedAndTheRanksTheyHoldUpCounted() {
        let text = RollCall.describe([(0, .elsewhere), (1, .silent), (3, .elsewhere)], hosts: hosts)
        #expect(text == "not arrived: rank 1 (host b, no answer within 5 s) (2 other ranks answer but wait in an earlier collective)")
        #expect(RollCall.describe([(2, .elsewhere), (3, .silent)], hosts: hosts)
            == "not arrived: rank 3 (host d, no answer within 5 s) (1 other rank answers but waits in an earlier collective)")
    }

    @Test func withoutSilentRanksTheOnesElsewhereAreNamed() {
        #expect(RollCall.describe([(2, .elsewhere)], hosts: hosts) == "not arrived: rank 2 (host c, waiting in another collective)")
        #expect(RollCall.describe([], hosts: hosts) == "every rank has arrived")
    }

    @Test func atMostEightAreNamed() {
        let many = RollCall.describe((0..<11).map { ($0, .silent) }, hosts: (0..<11).map { "h\($0)" })
        #expect(many.hasSuffix("rank 7 (host h7, no answer within 5 s) and 3 more") && !many.contains("rank 8 "))
    }
}
