import CLIPAdapter
import Foundation
import MetaLearning
import TensorIO
import Testing

@Suite struct MethodConfigurationTests {
    /// PromptSRC's base-to-new config (`configs/trainers/PromptSRC/vit_b16_c2_ep20_batch4_4+4ctx.yaml`).
    @Test func promptSRCDefaultsAreThePublishedBaseToNewConfig() throws {
        let c = try MethodConfiguration.defaults(for: "promptsrc")
        #expect((c.textTokens, c.visionTokens, c.textDepth, c.visionDepth) == (4, 4, 9, 9))
        #expect(c.contextInit == "a photo of a" && c.epochs == 20)
        #expect((c.textRegWeight, c.imageRegWeight, c.logitRegWeight) == (25, 10, 1))
        #expect(c.gpa == GaussianPromptAggregation(mean: 15, standardDeviation: 1))
        let o = c.promptOptimizer
        #expect((o.lr, o.momentum, o.weightDecay, o.warmupLR, o.warmupEpochs) == (0.0025, 0.9, 5e-4, 1e-5, 1))
        #expect(MethodFactory.needsTextTarget(c))
    }

    /// Each method's default epoch count and batch size: its published config's `MAX_EPOCH`
    /// and `TRAIN_X.BATCH_SIZE` (CoOp `vit_b16.yaml`, MaPLe's VPT config, PromptSRC's IVLP and
    /// PromptSRC configs, ProMetaR's config).
    @Test(arguments: [("coop", 200, 32), ("vpt", 5, 4), ("ivlp", 20, 4), ("promptsrc", 20, 4), ("prometar", 10, 4)])
    func defaultEpochsAndBatchSizesAreThePublishedOnes(method: String, epochs: Int, batchSize: Int) throws {
        let c = try MethodConfiguration.defaults(for: method)
        #expect(c.epochs == epochs && c.batchSize == batchSize)
    }

    /// The published prompt shapes: IVLP 4+4 at depth 9+9 (PromptSRC's IVLP config), VPT 8 at
    /// depth 12 (MaPLe's VPT config), CoOp 16 text tokens.
    @Test func defaultPromptShapesAreThePublishedOnes() throws {
        let ivlp = try MethodConfiguration.defaults(for: "ivlp"), vpt = try MethodConfiguration.defaults(for: "vpt")
        let coop = try MethodConfiguration.defaults(for: "coop")
        #expect((ivlp.textTokens, ivlp.visionTokens, ivlp.textDepth, ivlp.visionDepth) == (4, 4, 9, 9))
        #expect((vpt.textTokens, vpt.visionTokens, vpt.visionDepth) == (0, 8, 12))
        #expect((coop.textTokens, coop.textDepth, coop.promptOptimizer.lr) == (16, 1, 0.002))
    }

    @Test func logitAndAggregationKeysConfigureThePromptTuningMethods() throws {
        let json = try JSONValue(parsing: Data(#"{"epochs": 3, "gpa_mean": 2, "logit_reg_weight": 0.5}"#.utf8))
        let ivlp = try MethodConfiguration.load(method: "ivlp", json: json, source: "c.json")
        #expect(ivlp.epochs == 3 && ivlp.logitRegWeight == 0.5)
        // The other GPA key takes PromptSRC's default.
        #expect(ivlp.gpa == GaussianPromptAggregation(mean: 2, standardDeviation: 1))
        #expect(try MethodConfiguration.defaults(for: "ivlp").gpa == nil)
        let cross = try MethodConfiguration.load(method: "promptsrc", json: try JSONValue(parsing: Data(#"{"gpa_mean": 6, "gpa_std": 10}"#.utf8)), source: "c.json")
        #expect(cross.gpa == GaussianPromptAggregation(mean: 6, standardDeviation: 10))
        for (method, text) in [("prometar", #"{"gpa_mean": 2}"#), ("promptsrc", #"{"gpa_std": 0}"#), ("promptsrc", #"{"epochs": 0}"#)] {
            #expect(throws: ConfigurationError.self, "\(method) \(text)") {
                try MethodConfiguration.load(method: method, json: try JSONValue(parsing: Data(text.utf8)), source: "c.json")
            }
        }
    }
}
