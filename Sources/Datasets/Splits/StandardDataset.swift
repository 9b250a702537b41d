/// CoOp's datasets, laid out under a data root `$DATA` as CoOp's `datasets/*.py` expect (see
/// CoOp's DATASETS.md): the 11 of its few-shot and base-to-new benchmarks, and the 4 ImageNet
/// variants its domain-generalisation test evaluates ImageNet's prompts on (test-only,
/// ``isTestOnly``; read by ``ImageNetVariantFolders``).
///
/// | dataset | directory | images under | lists |
/// |---|---|---|---|
/// | ImageNet | `imagenet` | `images` | folders `images/train`, `images/val` + `classnames.txt` |
/// | Caltech101 | `caltech-101` | `101_ObjectCategories` | `split_zhou_Caltech101.json` |
/// | OxfordPets | `oxford_pets` | `images` | `split_zhou_OxfordPets.json` |
/// | StanfordCars | `stanford_cars` | (the directory itself) | `split_zhou_StanfordCars.json` |
/// | OxfordFlowers | `oxford_flowers` | `jpg` | `split_zhou_OxfordFlowers.json` |
/// | Food101 | `food-101` | `images` | `split_zhou_Food101.json` |
/// | FGVCAircraft | `fgvc_aircraft` | `images` | `variants.txt` + `images_variant_{train,val,test}.txt` |
/// | SUN397 | `sun397` | `SUN397` | `split_zhou_SUN397.json` |
/// | DescribableTextures | `dtd` | `images` | `split_zhou_DescribableTextures.json` |
/// | EuroSAT | `eurosat` | `2750` | `split_zhou_EuroSAT.json` |
/// | UCF101 | `ucf101` | `UCF-101-midframes` | `split_zhou_UCF101.json` |
/// | ImageNetV2 | `imagenetv2` | `imagenetv2-matched-frequency-format-val` | folders `0`…`999` + `classnames.txt` |
/// | ImageNetSketch | `imagenet-sketch` | `images` | folders `<wnid>` + `classnames.txt` |
/// | ImageNetA | `imagenet-adversarial` | `imagenet-a` | folders `<wnid>` + `classnames.txt` |
/// | ImageNetR | `imagenet-rendition` | `imagenet-r` | folders `<wnid>` + `classnames.txt` |
///
/// Raw values are CoOp's dataset class names (`DATASET.NAME` in its configs); ``init(name:)``
/// also takes its config files' names (`configs/datasets/imagenet_a.yaml` → `imagenet_a`).
public enum StandardDataset: String, CaseIterable, Sendable {
    case imageNet = "ImageNet"
    case caltech101 = "Caltech101"
    case oxfordPets = "OxfordPets"
    case stanfordCars = "StanfordCars"
    case oxfordFlowers = "OxfordFlowers"
    case food101 = "Food101"
    case fgvcAircraft = "FGVCAircraft"
    case sun397 = "SUN397"
    case describableTextures = "DescribableTextures"
    case euroSAT = "EuroSAT"
    case ucf101 = "UCF101"
    case imageNetV2 = "ImageNetV2"
    case imageNetSketch = "ImageNetSketch"
    case imageNetA = "ImageNetA"
    case imageNetR = "ImageNetR"

    /// Looks a dataset up by CoOp's name or a common alias (`Flowers102`, `DTD`, `Pets`,
    /// `Cars`, `Aircraft`, `Caltech`, `imagenet-adversarial`, `imagenet-rendition`), ignoring
    /// case, `-` and `_` — so CoOp's config file names (`oxford_pets`, `imagenetv2`,
    /// `imagenet_sketch`, `imagenet_a`, `imagenet_r`) and `imagenet-a` resolve too.
    public init?(name: String) {
        let key = name.lowercased().filter { $0 != "-" && $0 != "_" }
        let aliases: [String: StandardDataset] = [
            "flowers102": .oxfordFlowers, "flowers": .oxfordFlowers, "dtd": .describableTextures,
            "pets": .oxfordPets, "cars": .stanfordCars, "aircraft": .fgvcAircraft, "caltech": .caltech101,
            "imagenetadversarial": .imageNetA, "imagenetrendition": .imageNetR,
        ]
        if let match = Self.allCases.first(where: { $0.rawValue.lowercased() == key }) {
            self = match
        } else if let alias = aliases[key] {
            self = alias
        } else {
            return nil
        }
    }

    /// Looks a dataset up as ``init(name:)`` does.
    ///
    /// - Throws: ``DatasetError/unknownDataset(name:)``, listing the known names.
    public static func named(_ name: String) throws -> StandardDataset {
        guard let dataset = StandardDataset(name: name) else { throw DatasetError.unknownDataset(name: name) }
        return dataset
    }

    /// The dataset's directory under the data root (CoOp's `dataset_dir`).
    public var directoryName: String {
        switch self {
        case .imageNet: "imagenet"
        case .caltech101: "caltech-101"
        case .oxfordPets: "oxford_pets"
        case .stanfordCars: "stanford_cars"
        case .oxfordFlowers: "oxford_flowers"
        case .food101: "food-101"
        case .fgvcAircraft: "fgvc_aircraft"
        case .sun397: "sun397"
        case .describableTextures: "dtd"
        case .euroSAT: "eurosat"
        case .ucf101: "ucf101"
        case .imageNetV2: "imagenetv2"
        case .imageNetSketch: "imagenet-sketch"
        case .imageNetA: "imagenet-adversarial"
        case .imageNetR: "imagenet-rendition"
        }
    }

    /// The image root inside the dataset directory (CoOp's `image_dir`); split paths are
    /// relative to it. Empty for StanfordCars, whose split paths start at the dataset
    /// directory (`cars_train/...`).
    public var imageSubdirectory: String {
        switch self {
        case .imageNet, .oxfordPets, .food101, .fgvcAircraft, .describableTextures, .imageNetSketch: "images"
        case .caltech101: "101_ObjectCategories"
        case .stanfordCars: ""
        case .oxfordFlowers: "jpg"
        case .sun397: "SUN397"
        case .euroSAT: "2750"
        case .ucf101: "UCF-101-midframes"
        case .imageNetV2: "imagenetv2-matched-frequency-format-val"
        case .imageNetA: "imagenet-a"
        case .imageNetR: "imagenet-r"
        }
    }

    /// The Zhou split file's name, or `nil` for the datasets CoOp reads otherwise (ImageNet
    /// and its variants from their folders, FGVCAircraft from the dataset's own text lists).
    public var splitFileName: String? {
        switch self {
        case .imageNet, .fgvcAircraft, .imageNetV2, .imageNetSketch, .imageNetA, .imageNetR: nil
        default: "split_zhou_\(rawValue).json"
        }
    }

    /// Whether CoOp samples a few-shot validation list. ImageNet evaluates on its val folder
    /// and uses it as both val and test, so only its train list is sampled.
    public var samplesFewShotValidation: Bool { self != .imageNet }

    /// Whether the dataset is only evaluated on: the ImageNet variants, whose one list CoOp
    /// passes as both `train_x` and `test` (no val, no few-shot lists, no class subsets; see
    /// ``ImageNetVariantFolders``). CoOp's `xd_test.sh` evaluates ImageNet's learned prompts on
    /// them with all their classes (`--eval-only`, `SUBSAMPLE_CLASSES` at its default `all`).
    public var isTestOnly: Bool {
        switch self {
        case .imageNetV2, .imageNetSketch, .imageNetA, .imageNetR: true
        default: false
        }
    }
}
