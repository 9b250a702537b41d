extension StandardDataset {
    /// The name of the data set's config in CoOp's `configs/datasets/` (without `.yaml`): the
    /// `DATASET` argument of the official scripts and the data-set folder of their output trees.
    public var configName: String {
        switch self {
        case .imageNet: "imagenet"
        case .caltech101: "caltech101"
        case .oxfordPets: "oxford_pets"
        case .stanfordCars: "stanford_cars"
        case .oxfordFlowers: "oxford_flowers"
        case .food101: "food101"
        case .fgvcAircraft: "fgvc_aircraft"
        case .sun397: "sun397"
        case .describableTextures: "dtd"
        case .euroSAT: "eurosat"
        case .ucf101: "ucf101"
        case .imageNetV2: "imagenetv2"
        case .imageNetSketch: "imagenet_sketch"
        case .imageNetA: "imagenet_a"
        case .imageNetR: "imagenet_r"
        }
    }
}
