import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// Which ranks of a collective that waits too long have not arrived at it: the names the
/// watch's warning and timeout messages give (Horovod's stall check names the missing ranks
/// the same way).
///
/// A rank cannot see that from the collective itself, so the job keeps a side channel, a
/// duplicate of MPI_COMM_WORLD. The waiting rank sends each member of the collective's
/// communicator a question — how many collectives have you entered on this communicator? —
/// and every rank that is itself waiting in a collective answers (it answers between its
/// tests, once it has waited a second). A member that has entered fewer collectives than the
/// asker, or that does not answer within ``answerWindow`` (busy computing, stopped, on a host
/// that is down or behind a cut link), has not arrived. Questions and answers are four 64-bit
/// integers, sent only when a collective has already waited past the warning or the timeout.
///
/// One per process, shared by the world communicator and the groups split from it, each of
/// which has an identifier (``register()``, in creation order, which every rank shares since
/// splits are collective).
final class RollCall: @unchecked Sendable {
    /// How long the asker waits for answers.
    static let answerWindow = 5.0

    private let channel: MPI_Comm
    private let worldRank: Int
    /// Every rank's host name, by world rank.
    let hosts: [String]
    /// Collectives entered so far, by communicator identifier.
    private var entered: [Int] = []
    private var nextQuestion: Int64 = 0
    /// Sends not yet known to be complete, with the buffers they read.
    private var sends: [(request: MPI_Request?, message: UnsafeMutablePointer<Int64>)] = []

    private static let questionTag: Int32 = 1, answerTag: Int32 = 2

    /// Duplicates MPI_COMM_WORLD and exchanges host names. Collective over the whole job.
    init(worldRank: Int, worldSize: Int, host: String) throws {
        var channel: MPI_Comm?
        try MPICommunicator.check("MPI_Comm_dup", MPI_Comm_dup(cmpi_comm_world(), &channel))
        guard let channel else { throw DistributedError.mpi(call: "MPI_Comm_dup", code: 0, message: "no communicator returned") }
        try MPICommunicator.check("MPI_Comm_set_errhandler", MPI_Comm_set_errhandler(channel, cmpi_errors_return()))
        self.channel = channel
        self.worldRank = worldRank
        let width = 64
        var mine = [UInt8](repeating: 0, count: width)
        for (i, byte) in host.utf8.prefix(width - 1).enumerated() { mine[i] = byte }
        var all = [UInt8](repeating: 0, count: width * worldSize)
        try MPICommunicator.check("MPI_Allgather(host names)",
                                  MPI_Allgather(&mine, Int32(width), cmpi_uint8(), &all, Int32(width), cmpi_uint8(), channel))
        hosts = (0..<worldSize).map { r in
            String(decoding: all[(r * width)..<((r + 1) * width)].prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// A new communicator's identifier.
    func register() -> Int {
        entered.append(0)
        return entered.count - 1
    }

    /// Counts a collective entered on `communicator`; returns its sequence number (from 1).
    func enter(_ communicator: Int) -> Int {
        entered[communicator] += 1
        return entered[communicator]
    }

    /// How a member that has not arrived answered.
    enum Absence: Equatable {
        /// No answer within the window.
        case silent
        /// It answered (so it waits in a collective) but has not entered this one: it waits
        /// in another — of another group, or an earlier one.
        case elsewhere
    }

    /// Asks `members` (world ranks) whether they have entered collective `sequence` of
    /// `communicator`, answering other ranks' questions while it waits, for at most
    /// ``answerWindow`` seconds. Returns the members that have not arrived, by world rank.
    func absentees(communicator: Int, sequence: Int, members: [Int]) -> [(rank: Int, absence: Absence)] {
        nextQuestion += 1
        let question = nextQuestion
        var unanswered = Set(members.filter { $0 != worldRank })
        for member in unanswered {
            send([question, Int64(communicator), Int64(sequence), 0], to: member, tag: Self.questionTag)
        }
        var absent: [Int: Absence] = [:]
        let began = monotonicSeconds()
        while !unanswered.isEmpty && monotonicSeconds() - began < Self.answerWindow {
            answerQuestions()
            while let (source, answer) = receive(tag: Self.answerTag) {
                // answer = [question, collectives entered on `communicator`, 0, 0]
                guard answer[0] == question, unanswered.remove(source) != nil else { continue }
                if answer[1] < Int64(sequence) { absent[source] = .elsewhere }
            }
            usleep(1000)
        }
        for member in unanswered { absent[member] = .silent }
        return absent.keys.sorted().map { ($0, absent[$0]!) }
    }

    /// What a waiting rank does between its tests: answers the questions that have arrived
    /// and discards late answers to its own earlier questions.
    func serve() {
        answerQuestions()
        while receive(tag: Self.answerTag) != nil {}
    }

    /// Answers the questions that have arrived, with this rank's count of collectives entered
    /// on the communicator asked about.
    private func answerQuestions() {
        while let (source, question) = receive(tag: Self.questionTag) {
            // question = [its number, communicator, sequence, 0]
            let communicator = Int(question[1])
            let count = communicator >= 0 && communicator < entered.count ? entered[communicator] : 0
            send([question[0], Int64(count), 0, 0], to: source, tag: Self.answerTag)
        }
        sends.removeAll { entry in
            var request = entry.request, done: Int32 = 0
            guard MPI_Test(&request, &done, cmpi_status_ignore()) == cmpi_success(), done != 0 else { return false }
            entry.message.deallocate()
            return true
        }
    }

    /// A received message with `tag` from any rank, if one is waiting.
    private func receive(tag: Int32) -> (source: Int, message: [Int64])? {
        var flag: Int32 = 0
        var status = MPI_Status()
        guard MPI_Iprobe(cmpi_any_source(), tag, channel, &flag, &status) == cmpi_success(), flag != 0 else { return nil }
        var message = [Int64](repeating: 0, count: 4)
        guard MPI_Recv(&message, 4, cmpi_int64(), status.MPI_SOURCE, tag, channel, cmpi_status_ignore()) == cmpi_success() else { return nil }
        return (Int(status.MPI_SOURCE), message)
    }

    /// Starts a send of four integers; its buffer lives until the send completes (a question
    /// to a rank behind a cut link may never complete: the job is ending then).
    private func send(_ values: [Int64], to rank: Int, tag: Int32) {
        let message = UnsafeMutablePointer<Int64>.allocate(capacity: 4)
        message.initialize(from: values, count: 4)
        var request: MPI_Request?
        guard MPI_Isend(message, 4, cmpi_int64(), Int32(rank), tag, channel, &request) == cmpi_success() else {
            message.deallocate()
            return
        }
        sends.append((request, message))
    }

    /// "rank 1 (host b, no answer), rank 3 (host c, waiting in another collective)" — at most
    /// eight, then how many more.
    ///
    /// When some members do not answer, only they are named: a member that answers but waits
    /// in an earlier collective (one whose last messages from a silent member never came) is
    /// held up by them, and is only counted.
    func describe(_ all: [(rank: Int, absence: Absence)]) -> String { Self.describe(all, hosts: hosts) }

    static func describe(_ all: [(rank: Int, absence: Absence)], hosts: [String]) -> String {
        guard !all.isEmpty else { return "every rank has arrived" }
        let silent = all.filter { $0.absence == .silent }
        let absent = silent.isEmpty ? all : silent
        let behind = all.count - absent.count
        let named = absent.prefix(8).map { entry in
            let host = entry.rank < hosts.count ? hosts[entry.rank] : "?"
            let how = switch entry.absence {
            case .silent: "no answer within \(Int(answerWindow)) s"
            case .elsewhere: "waiting in another collective"
            }
            return "rank \(entry.rank) (host \(host), \(how))"
        }
        let more = absent.count > 8 ? " and \(absent.count - 8) more" : ""
        let held = behind == 0 ? "" : " (\(behind) other rank\(behind == 1 ? "" : "s") answer\(behind == 1 ? "s" : "") but wait\(behind == 1 ? "s" : "") in an earlier collective)"
        return "not arrived: " + named.joined(separator: ", ") + more + held
    }
}

func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
