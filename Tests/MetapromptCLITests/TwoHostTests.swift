import Foundation
import Testing
import TestSupport

/// Two hosts on one machine: two network namespaces joined by a veth pair, with addresses of
/// the documentation range (192.0.2.0/24, RFC 5737) that exist only inside them. `mpirun` runs
/// in the first and starts the second host's daemon through an rsh agent that enters the
/// second namespace (`--mca plm_rsh_agent`), over TCP only (`--mca btl tcp,self`, both TCP
/// transports limited to that subnet). Needs root and `ip`; skipped otherwise. Everything is
/// torn down afterwards, also when a test fails.
@Suite(.serialized, .enabled(if: TwoHosts.available, "needs root and ip (iproute2) to build network namespaces"))
struct TwoHostTests {
    let binary = metapromptExecutable()

    func job(_ output: String, data: String, steps: Int, extra: [String] = []) -> [String] {
        [binary, "train", "--model", fixture("tiny-clip"), "--split", data + "/split_zhou_TinyShapes.json", "--method", "prometar",
         "--output", output, "--shots", "4", "--batch-size", "4", "--max-steps", "\(steps)", "--checkpoint-every", "1",
         "--log-every", "1", "--no-eval", "--set", "n_ctx_text=2", "--set", "n_ctx_vision=2", "--set", "depth_text=2",
         "--set", "depth_vision=2"] + extra
    }

    static func scratch(_ name: String) -> String { NSTemporaryDirectory() + "metaprompt-twohost-\(name)-\(UUID().uuidString)" }

    static func copyOfData() throws -> String {
        let dir = scratch("data")
        try FileManager.default.copyItem(atPath: fixture("tinyshapes"), toPath: dir)
        return dir
    }

    /// A job across the two hosts writes the bytes of one process.
    @Test func aJobAcrossTwoHostsWritesTheBytesOfOneProcess() throws {
        let hosts = try TwoHosts()
        defer { hosts.tearDown() }
        let data = try Self.copyOfData()
        let (two, one) = (Self.scratch("two"), Self.scratch("one"))
        let r = try hosts.mpirun(job(two, data: data, steps: 3))
        #expect(r.status == 0, "\(r)")
        let plain = try runProcess(job(one, data: data, steps: 3)[0], Array(job(one, data: data, steps: 3).dropFirst()))
        #expect(plain.status == 0, "\(plain)")
        for file in ["prompts.safetensors", "checkpoints/step-1.safetensors", "checkpoints/step-3.safetensors"] {
            let a = FileManager.default.contents(atPath: one + "/" + file), b = FileManager.default.contents(atPath: two + "/" + file)
            #expect(a != nil && a == b, "\(file): two hosts differ from one process")
        }
    }

    /// The link between the hosts goes down after a checkpoint: the job ends within the watch's
    /// bound (--comm-timeout 20) instead of hanging, keeping whole checkpoints — ended by
    /// mpirun's keepalive on its links to the daemons (probes after 5 s idle here, as the
    /// deploy scripts set after 30 s) or by the ranks' watch, whichever comes first; with the
    /// link restored, --resume completes it, ending as a run that never stopped.
    @Test func aCutLinkEndsTheJobAndResumeOverTheRestoredLinkCompletesIt() throws {
        let hosts = try TwoHosts()
        defer { hosts.tearDown() }
        let data = try Self.copyOfData()
        let out = Self.scratch("cut")
        let process = try hosts.start(job(out, data: data, steps: 400, extra: ["--comm-timeout", "20", "--comm-warning", "3"]))
        let errors = process.standardError as! Pipe
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: out + "/checkpoints/step-2.safetensors") && Date() < deadline && process.isRunning {
            usleep(100_000)
        }
        #expect(hosts.processes(in: hosts.names.b).count >= 2, "host B runs no daemon and rank")
        try hosts.link(up: false)
        let cut = Date()
        while process.isRunning && Date() < cut.addingTimeInterval(120) { usleep(200_000) }
        let took = Date().timeIntervalSince(cut)
        #expect(!process.isRunning, "the job still runs 120 s after the link went down")
        // The cut-off host cleans up by itself: its daemon finds the link to mpirun dead — by
        // its own keepalive (mpirun passes the settings on) when the link was idle, by the
        // retransmission limit when it had data to send — and ends with its rank.
        let cleanBy = Date().addingTimeInterval(30)
        while !hosts.processes(in: hosts.names.b).isEmpty && Date() < cleanBy { usleep(200_000) }
        #expect(hosts.processes(in: hosts.names.b).isEmpty, "processes left on the cut-off host 30 s after the job ended: \(hosts.processes(in: hosts.names.b).map { (try? String(contentsOfFile: "/proc/\($0)/cmdline", encoding: .utf8)) ?? "?" })")
        hosts.killEverything()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0 && took < 45, "ended after \(took) s with \(process.terminationStatus)")
        #expect(message.contains("did not complete within 20 s (step ") || message.contains("lost communication with a remote daemon"), "\(message)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/checkpoints")
        #expect(files.contains("step-2.safetensors") && files.allSatisfy { $0.hasPrefix("step-") && $0.hasSuffix(".safetensors") }, "\(files)")

        try hosts.link(up: true)
        let done = files.compactMap { Int($0.dropFirst(5).dropLast(12)) }.max() ?? 0
        let steps = done + 2
        let resumed = try hosts.mpirun(job(out, data: data, steps: steps, extra: ["--resume"]))
        #expect(resumed.status == 0, "\(resumed)")
        let reference = Self.scratch("reference")
        let plain = job(reference, data: data, steps: steps)
        #expect(try runProcess(plain[0], Array(plain.dropFirst())).status == 0)
        #expect(FileManager.default.contents(atPath: out + "/prompts.safetensors") == FileManager.default.contents(atPath: reference + "/prompts.safetensors"),
                "the resumed run differs from one that never stopped")
    }
}

/// Two network namespaces joined by a veth pair: host A 192.0.2.1, host B 192.0.2.2.
struct TwoHosts {
    static var available: Bool {
        getuid() == 0 && findOnPath("ip") != nil && findOnPath("mpirun") != nil
    }

    let names: (a: String, b: String)
    let links: (a: String, b: String)
    let directory: String

    init() throws {
        let tag = String(getpid() % 100_000)
        names = ("mp\(tag)a", "mp\(tag)b")
        links = ("mpv\(tag)a", "mpv\(tag)b")
        directory = NSTemporaryDirectory() + "metaprompt-hosts-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        tearDown()  // a previous run's leftovers of the same name
        let steps: [[String]] = [
            ["netns", "add", names.a], ["netns", "add", names.b],
            ["link", "add", links.a, "type", "veth", "peer", "name", links.b],
            ["link", "set", links.a, "netns", names.a], ["link", "set", links.b, "netns", names.b],
            ["-n", names.a, "addr", "add", "192.0.2.1/24", "dev", links.a], ["-n", names.b, "addr", "add", "192.0.2.2/24", "dev", links.b],
            ["-n", names.a, "link", "set", "lo", "up"], ["-n", names.b, "link", "set", "lo", "up"],
            ["-n", names.a, "link", "set", links.a, "up"], ["-n", names.b, "link", "set", links.b, "up"],
            // A connection with data in flight over a cut link is not probed by keepalive; it
            // fails after the kernel's retransmissions, 15 by default (about 15 minutes), 5
            // here (about 13 s), a per-namespace setting.
            ["netns", "exec", names.a, "sysctl", "-q", "-w", "net.ipv4.tcp_retries2=5"],
            ["netns", "exec", names.b, "sysctl", "-q", "-w", "net.ipv4.tcp_retries2=5"],
        ]
        for step in steps {
            let r = try runProcess(findOnPath("ip")!, step, timeout: 30)
            guard r.status == 0 else { tearDown(); throw TwoHostError("ip \(step.joined(separator: " ")): \(r.stderr)") }
        }
        // The rsh agent: `agent [options] HOST COMMAND…` runs COMMAND in HOST's namespace.
        let agent = """
            #!/bin/sh
            while [ $# -gt 0 ]; do case "$1" in -*) shift ;; *) break ;; esac; done
            host="$1"; shift
            case "$host" in
              192.0.2.1) ns=\(names.a) ;;
              192.0.2.2) ns=\(names.b) ;;
              *) echo "agent: unknown host $host" >&2; exit 1 ;;
            esac
            exec ip netns exec "$ns" sh -c "$*"

            """
        try agent.write(toFile: directory + "/agent", atomically: true, encoding: .utf8)
        chmod(directory + "/agent", 0o755)
        try "192.0.2.1 slots=1\n192.0.2.2 slots=1\n".write(toFile: directory + "/hosts", atomically: true, encoding: .utf8)
    }

    /// `ip netns exec A mpirun … COMMAND` with both hosts, over TCP in 192.0.2.0/24.
    var launch: [String] {
        ["netns", "exec", names.a, findOnPath("mpirun")!, "--allow-run-as-root", "-np", "2", "--hostfile", directory + "/hosts",
         "--mca", "plm_rsh_agent", directory + "/agent", "--mca", "btl", "tcp,self",
         "--mca", "btl_tcp_if_include", "192.0.2.0/24", "--mca", "oob_tcp_if_include", "192.0.2.0/24",
         "--mca", "oob_tcp_keepalive_time", "5", "--mca", "oob_tcp_keepalive_intvl", "2", "--mca", "oob_tcp_keepalive_probes", "3"]
    }

    func mpirun(_ command: [String]) throws -> ProcessResult {
        try runProcess(findOnPath("ip")!, launch + command, timeout: 240)
    }

    func start(_ command: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: findOnPath("ip")!)
        process.arguments = launch + command
        process.standardOutput = FileHandle.nullDevice
        process.standardError = Pipe()
        try process.run()
        return process
    }

    /// Cuts or restores the link; a restored link is waited for until both ends report it up.
    func link(up: Bool) throws {
        let r = try runProcess(findOnPath("ip")!, ["-n", names.a, "link", "set", links.a, up ? "up" : "down"], timeout: 30)
        guard r.status == 0 else { throw TwoHostError("link \(up ? "up" : "down"): \(r.stderr)") }
        guard up else { return }
        let deadline = Date().addingTimeInterval(20)
        func isUp(_ namespace: String, _ device: String) -> Bool {
            (try? runProcess(findOnPath("ip")!, ["-n", namespace, "-o", "link", "show", "dev", device], timeout: 30))?.stdout.contains("state UP") == true
        }
        while !(isUp(names.a, links.a) && isUp(names.b, links.b)) {
            guard Date() < deadline else { throw TwoHostError("the restored link did not come up within 20 s") }
            usleep(100_000)
        }
        sleep(1)
    }

    /// The processes in namespace `name`.
    func processes(in name: String) -> [pid_t] {
        guard let r = try? runProcess(findOnPath("ip")!, ["netns", "pids", name], timeout: 30) else { return [] }
        return r.stdout.split(separator: "\n").compactMap { pid_t($0) }
    }

    /// SIGKILL to every process in either namespace.
    func killEverything() {
        for name in [names.a, names.b] {
            for pid in processes(in: name) { kill(pid, SIGKILL) }
        }
    }

    func tearDown() {
        killEverything()
        for name in [names.a, names.b] { _ = try? runProcess(findOnPath("ip")!, ["netns", "del", name], timeout: 30) }
    }
}

struct TwoHostError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
