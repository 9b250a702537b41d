import AutoDiff
import Distributed
import Foundation
import Training
#if canImport(Glibc)
import Glibc
#endif

// metaprompt — distributed meta-prompt learning for CLIP-style models on CPUs under MPI.
// Exit codes: 0 success, 1 failure (the message names what is wrong), 64 usage error or a
// setting the method cannot take,
// 75 preempted (a checkpoint was written; rerun with --resume).

let commands: [any Command.Type] = [
    DemoCommand.self,
    TokenizeCommand.self,
    EncodeCommand.self,
    StepCommand.self,
    TrainCommand.self,
    ReportCommand.self,
    SweepCommand.self,
    WorldCommand.self,
    EvalCommand.self,
    InspectCommand.self,
    BenchCommand.self,
]

@MainActor func topLevelUsage() -> String {
    var lines = ["usage: metaprompt COMMAND [OPTIONS]", "", "commands:"]
    for c in commands { lines.append("  " + c.configuration.name.padding(toLength: 10, withPad: " ", startingAt: 0) + c.configuration.summary) }
    lines += ["", "Run 'metaprompt COMMAND --help' for a command's options."]
    return lines.joined(separator: "\n")
}

Allocator.retainFreedMemory()
let words = Array(CommandLine.arguments.dropFirst())
guard let first = words.first else {
    writeToStandardError(topLevelUsage())
    exit(64)
}
if first == "--help" || first == "-h" || first == "help" {
    print(topLevelUsage())
    exit(0)
}
guard let command = commands.first(where: { $0.configuration.name == first }) else {
    writeToStandardError("metaprompt: unknown command '\(first)'\n\n" + topLevelUsage())
    exit(64)
}
runningCommand = command.configuration.name
do {
    try command.main(Array(words.dropFirst()))
    exit(0)
} catch let announced as Announced {
    exit(announced.code)
} catch let preempted as Preempted {
    writeToStandardError("metaprompt \(command.configuration.name): \(preempted)")
    exit(Preemption.exitCode)
} catch let error as SettingError {
    writeToStandardError("metaprompt \(command.configuration.name): \(error)")
    exit(64)
} catch let error as UsageError {
    writeToStandardError("metaprompt \(command.configuration.name): \(error)\n\n\(command.usage)")
    exit(64)
} catch {
    writeToStandardError("metaprompt \(command.configuration.name): \(error)")
    exit(1)
}
