import Distributed

/// `--comm-timeout` and `--comm-warning`: how long a collective may wait for the other ranks
/// (``CollectiveWatch``) before the job ends, and before it warns.
struct CommunicationOptions: ParsableArguments {
    @Option(valueName: "SECONDS", help: "end the job when a collective waits longer for the other ranks (a dead link, a lost host, a stopped rank); 0: wait for ever",
            in: 0...1_000_000_000)
    var commTimeout: Int = Int(CollectiveWatch.defaultTimeout)
    @Option(valueName: "SECONDS", help: "warn once when a collective waits longer; 0: never", in: 0...1_000_000_000)
    var commWarning: Int = Int(CollectiveWatch.defaultWarning)

    /// Sets the bounds on `communicator`'s watch (an MPI job's; other communicators never wait).
    func apply(to communicator: any Communicator) {
        guard let mpi = communicator as? MPICommunicator else { return }
        mpi.watch.timeout = commTimeout > 0 ? Double(commTimeout) : nil
        mpi.watch.warning = commWarning > 0 ? Double(commWarning) : nil
    }
}
