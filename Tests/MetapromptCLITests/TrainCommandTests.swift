import Foundation
import TensorIO
import Testing
import TestSupport

/// `metaprompt train`'s configuration errors: each names the key and stops before any work
/// (no output directory is made).
@Suite struct TrainCommandTests {
    let binary = metapromptExecutable()

    static let badSettings: [(String, String)] = [
        ("bogus=1", "unknown key 'bogus'"),
        ("prompt_optim.lrr=0.1", "unknown key 'prompt_optim.lrr'"),
        ("prompt_optim.lr=-0.01", "'prompt_optim.lr' must be a positive number, found -0.01"),
        ("prompt_optim.lr=0", "'prompt_optim.lr' must be a positive number, found 0"),
        ("regulator_optim.lr=nan", "'regulator_optim.lr' must be a positive number, found \"nan\""),
        ("prompt_optim.warmup_lr=1e999", "'prompt_optim.warmup_lr' must be a positive number"),
        ("prompt_optim.momentum=1", "'prompt_optim.momentum' must be a number in [0, 1), found 1"),
        ("prompt_optim.weight_decay=-1", "'prompt_optim.weight_decay' must be a non-negative number, found -1"),
        ("regulator_optim.stepped=1", "'regulator_optim.stepped' must be true or false, found 1"),
        ("text_reg_weight=-50", "'text_reg_weight' must be a non-negative number, found -50"),
        ("image_reg_weight=inf", "'image_reg_weight' must be a non-negative number, found \"inf\""),
        ("adapt_lr=0", "'adapt_lr' must be a positive number, found 0"),
        ("lr_ratio=-1", "'lr_ratio' must be a non-negative number (0: no meta-gradient), found -1"),
        ("mixup_alpha=0", "'mixup_alpha' must be a positive number (a Beta parameter), found 0"),
    ]

    @Test(arguments: badSettings)
    func badSettingExits64NamingTheKeyBeforeAnyWork(setting: String, message: String) throws {
        let out = NSTemporaryDirectory() + "metaprompt-badset-\(UUID().uuidString)"
        let r = try runProcess(binary, ["train", "--model", fixture("tiny-clip"), "--split", fixture("tinyshapes/split_zhou_TinyShapes.json"),
                                        "--method", "prometar", "--output", out, "--set", setting])
        #expect(r.status == 64 && r.stderr.hasPrefix("metaprompt train: --set: " + message) && !r.stderr.contains("usage:"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: out), "work started before the configuration was checked")
    }
}
