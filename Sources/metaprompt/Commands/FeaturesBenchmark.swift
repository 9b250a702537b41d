import CLIP
import CLIPAdapter
import Datasets
import Distributed
import Foundation
import Training
#if canImport(Glibc)
import Glibc
#endif

/// `metaprompt bench features`: GRAM's frozen pair features (``PairFeatures``, the code
/// `train --method gram` and the sweep run) for a pair list, over the job's ranks: pairs per
/// second, each rank's peak resident memory, and the projected time of a larger list on more
/// ranks at the measured rate per rank.
struct FeaturesBenchmark {
    let pairs: String
    let modelDirectory: String
    let output: String?
    let projectedPairs: Int
    let projectedRanks: Int

    func run(communicator: any Communicator) throws {
        let index = try PairIndex(path: pairs)
        let bundle = try CLIPBundle(directory: modelDirectory)
        // The same temporary name on every rank (of this job: mpirun's job id when there is one).
        let job = ProcessInfo.processInfo.environment["OMPI_MCA_ess_base_jobid"] ?? ProcessInfo.processInfo.environment["SLURM_JOB_ID"] ?? "\(getpid())"
        let path = output ?? NSTemporaryDirectory() + "metaprompt-features-\(job).safetensors"
        /// A temporary file's leftovers, removed by rank 0 before and after.
        func removeTemporary() { if output == nil && communicator.rank == 0 { for p in [path, path + ".partial", path + ".progress"] { try? FileManager.default.removeItem(atPath: p) } } }
        removeTemporary()
        defer { removeTemporary() }
        try communicator.barrier()
        let clock = ContinuousClock(), start = clock.now
        let features = try PairFeatures.prepare(pairs: index, bundle: bundle, modelDirectory: modelDirectory, path: path, communicator: communicator,
                                                say: { if communicator.rank == 0 { writeToStandardError($0 + "\n") } })
        let seconds = (clock.now - start).seconds
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        var peak = [Float(Double(usage.ru_maxrss) / 1024)]  // KiB → MiB
        try communicator.allReduceMax(&peak)
        guard communicator.rank == 0 else { return }
        let ranks = communicator.size
        let rate = Double(index.count) / seconds, perRank = rate / Double(ranks)
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        let c = bundle.model.configuration
        print(String(format: "features: %d pairs (%d readable) of %@, %dx%d images, width %d, on %d rank(s): %.1f s, %.1f pairs/s (%.1f per rank)",
                     index.count, features.readable.count, pairs, c.imageSize, c.imageSize, features.width, ranks, seconds, rate, perRank))
        print(String(format: "peak resident memory: %.0f MiB (the largest rank's); the feature file %.1f MiB", Double(peak[0]), Double(size) / 1_048_576))
        let projected = Double(projectedPairs) / (perRank * Double(projectedRanks))
        print(String(format: "projected: %d pairs on %d ranks at this rate per rank: %.2f h (this model)", projectedPairs, projectedRanks, projected / 3600))
        // ViT-B/16: the image tower at `eval`'s measured 2.0 images/s per core, and the text
        // tower's 77 tokens at width 512, 0.17 of the image tower's matrix work (12 layers ×
        // T × (12·d² + 2·T·d): 2.98 against 17.45 G multiply-adds).
        let vit = Double(projectedPairs) * 1.17 / (2.0 * Double(projectedRanks))
        print(String(format: "projected at ViT-B/16 (2.0 images/s per core measured by eval, the text tower 0.17 of the image tower's work): %.1f h", vit / 3600))
    }
}
