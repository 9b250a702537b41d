import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The engine's threads: a fixed pool that runs the chunks of one kernel at a time.
///
/// Every kernel that uses it splits its output into chunks that it computes exactly as the
/// whole would be computed — elements, rows, batch entries, tile-aligned row blocks of a
/// matrix product (``RowAlignedProduct``) — and no chunk reduces across another's values. So a
/// result's bits do not depend on the thread count, nor on which thread ran which chunk.
///
/// OpenBLAS itself runs on one thread: the engine splits its products over this pool instead,
/// so one pool serves both the products and the kernels between them (two pools on the same
/// cores would take turns spinning against each other).
///
/// A kernel called while the pool is busy — from a chunk, or from a second thread calling the
/// engine (ranks run as threads in tests) — runs its chunks itself, in order.
public enum Parallel {
    /// The pool's thread count, the caller's included (1: everything runs on the caller).
    public static var threadCount: Int { pool.threadCount }

    /// Sets the thread count (at least 1).
    public static func setThreadCount(_ n: Int) { pool.setThreadCount(max(1, n)) }

    /// Work below this many units (floats written, or multiply-adds of a product) runs on
    /// the caller: waking the pool costs about as much as a few thousand of them. Tests set it
    /// to 0 to split everything; so does METAPROMPT_PARALLEL_MINIMUM_WORK=0 for a process.
    nonisolated(unsafe) public static var minimumWork: Int = {
        guard let text = getenv("METAPROMPT_PARALLEL_MINIMUM_WORK"), let value = Int(String(cString: text)), value >= 0 else { return 1 << 15 }
        return value
    }()

    /// Jobs the pool has run split (more than one chunk) since the process started: lets a
    /// test see that its work was split.
    public static var splitJobs: Int { pool.jobCount }

    /// How many chunks `work` units of a kernel split into: the thread count, or 1 when the
    /// work is small.
    static func chunkCount(work: Int) -> Int {
        let threads = pool.threadCount
        return threads > 1 && work >= minimumWork ? threads : 1
    }

    /// Runs `body(0) … body(chunks − 1)`, each once, on the pool's threads; returns when all
    /// have finished.
    static func run(chunks: Int, _ body: (Int) -> Void) {
        if chunks <= 1 {
            for i in 0..<chunks { body(i) }
            return
        }
        withoutActuallyEscaping(body) { pool.run(chunks: chunks, $0) }
    }

    /// Runs `body` on consecutive ranges that cover `0..<count`, split into ``chunkCount(work:)``
    /// ranges whose bounds are multiples of `alignment` (except the end).
    static func forEachRange(_ count: Int, work: Int, alignment: Int = 8, _ body: (Range<Int>) -> Void) {
        let chunks = min(chunkCount(work: work), (count + alignment - 1) / max(alignment, 1))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let units = (count + alignment - 1) / alignment
        run(chunks: chunks) { i in
            let lower = min(count, units * i / chunks * alignment), upper = min(count, units * (i + 1) / chunks * alignment)
            if lower < upper { body(lower..<upper) }
        }
    }

    private static let pool = ThreadPool()
}

/// N − 1 worker threads and the caller. One job at a time: a closure and a chunk count; the
/// threads take chunks under a lock until none are left.
private final class ThreadPool: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var workAvailable = pthread_cond_t()
    private var workDone = pthread_cond_t()
    /// Held by the caller that owns the pool while its job runs.
    private var submission = pthread_mutex_t()
    private var workers: [pthread_t] = []
    // The job, guarded by `mutex`.
    private var job: ((Int) -> Void)?
    private var generation = 0
    private var chunks = 0, next = 0, finished = 0
    private var jobs = 0
    var jobCount: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return jobs
    }

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_mutex_init(&submission, nil)
        pthread_cond_init(&workAvailable, nil)
        pthread_cond_init(&workDone, nil)
    }

    /// Read by every kernel, so without the lock.
    var threadCount: Int { published.load(ordering: .relaxed) }
    private let published = Atomic<Int>(1)

    func setThreadCount(_ n: Int) {
        pthread_mutex_lock(&submission)  // not while a job runs
        defer { pthread_mutex_unlock(&submission) }
        published.store(n, ordering: .relaxed)
        let missing = n - 1 - workers.count
        for _ in 0..<max(0, missing) {
            var thread = pthread_t()
            let context = Unmanaged.passUnretained(self).toOpaque()
            let status = pthread_create(&thread, nil, { context in
                Unmanaged<ThreadPool>.fromOpaque(context!).takeUnretainedValue().work()
                return nil
            }, context)
            precondition(status == 0, "pthread_create failed (\(status)) starting the engine's thread pool")
            workers.append(thread)
        }
    }

    func run(chunks: Int, _ body: @escaping (Int) -> Void) {
        guard pthread_mutex_trylock(&submission) == 0 else {
            for i in 0..<chunks { body(i) }  // the pool is busy: this caller runs its own chunks
            return
        }
        pthread_mutex_lock(&mutex)
        job = body
        self.chunks = chunks
        next = 0
        finished = 0
        generation &+= 1
        jobs += 1
        pthread_cond_broadcast(&workAvailable)
        pthread_mutex_unlock(&mutex)
        takeChunks()
        pthread_mutex_lock(&mutex)
        while finished < chunks { pthread_cond_wait(&workDone, &mutex) }
        job = nil
        pthread_mutex_unlock(&mutex)
        pthread_mutex_unlock(&submission)
    }

    /// Runs chunks of the current job until none are left.
    private func takeChunks() {
        pthread_mutex_lock(&mutex)
        while next < chunks, let body = job {
            let i = next
            next += 1
            pthread_mutex_unlock(&mutex)
            body(i)
            pthread_mutex_lock(&mutex)
            finished += 1
            if finished == chunks { pthread_cond_signal(&workDone) }
        }
        pthread_mutex_unlock(&mutex)
    }

    private func work() {
        var seen = 0
        while true {
            pthread_mutex_lock(&mutex)
            while generation == seen { pthread_cond_wait(&workAvailable, &mutex) }
            seen = generation
            pthread_mutex_unlock(&mutex)
            takeChunks()
        }
    }
}
