/// Why a CLIP checkpoint or its inputs cannot be used. Every case names the file and, where
/// relevant, the tensor or key, with what was expected and what was found.
public enum CLIPError: Error, CustomStringConvertible, Equatable {
    case missingFile(path: String)
    case invalidConfiguration(path: String, reason: String)
    case missingTensor(path: String, name: String)
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    case unexpectedTensor(path: String, name: String, reason: String)
    case unknownLayout(path: String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .missingFile(path):
            "\(path): no such file (a Hugging Face CLIP directory needs config.json, model.safetensors, vocab.json, merges.txt)"
        case let .invalidConfiguration(path, reason):
            "\(path): \(reason)"
        case let .missingTensor(path, name):
            "\(path): missing tensor '\(name)'"
        case let .shapeMismatch(path, name, expected, found):
            "\(path): tensor '\(name)' has shape \(found), expected \(expected) from the configuration"
        case let .unexpectedTensor(path, name, reason):
            "\(path): unexpected tensor '\(name)': \(reason)"
        case let .unknownLayout(path):
            "\(path): neither Hugging Face CLIP names (text_model.…, vision_model.…) nor OpenAI/open_clip names (token_embedding.weight, visual.…)"
        case let .invalidInput(message):
            message
        }
    }
}
