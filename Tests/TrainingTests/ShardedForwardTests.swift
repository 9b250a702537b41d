import AutoDiff
import CLIP
import Distributed
import TestSupport
import Testing
import Training

/// One forward pass of either tower split over the ranks of a group gives the one-process
/// features bit for bit, for every split of the rows (2–5 ranks, some ranks empty).
@Suite(.serialized) struct ShardedForwardTests {
    static let model = Result { try CLIPModel(directory: fixture("tiny-clip")) }

    @Test func bothTowersSplitOverRanksGiveTheOneProcessFeatures() throws {
        BLAS.setThreadCount(1)
        #expect(BLAS.rowTile != nil, "this BLAS has no row tile that reproduces a product's rows")
        let clip = try Self.model.get()
        var stream = RandomStream(seed: 3, 1)
        let pixels = Tensor.normal([5, 3, 32, 32], stream: &stream)
        let ids: [[Int]] = (0..<7).map { k in [49406, 343, 343, 1000 + k, 269] + (k % 2 == 0 ? [2000 + k] : []) + [49407] + Array(repeating: 0, count: 70 - (k % 2 == 0 ? 1 : 0)) }
        let prompts = TowerPrompts(named: ["vision.ctx": Tensor.normal([2, 64], stream: &stream)], tower: "vision")
        let images = clip.encodeImages(pixels, prompts: prompts).storage
        let texts = clip.encodeText(ids.map { Array($0.prefix(77)) }).storage
        for ranks in [2, 3, 5] {
            let job = try inProcessJob(ranks: ranks) { communicator in
                let group = CommunicatorGroup(communicator)
                return (clip.encodeImages(pixels, prompts: prompts, group: group).storage,
                        clip.encodeText(ids.map { Array($0.prefix(77)) }, group: group).storage)
            }
            for (rank, (i, t)) in job.enumerated() {
                let di = zip(i, images).enumerated().first { $0.element.0 != $0.element.1 }.map(\.offset)
                let dt = zip(t, texts).enumerated().first { $0.element.0 != $0.element.1 }.map(\.offset)
                #expect(di == nil, "images, rank \(rank) of \(ranks): first differing value \(di ?? -1)")
                #expect(dt == nil, "texts, rank \(rank) of \(ranks): first differing value \(dt ?? -1)")
            }
        }
    }
}
