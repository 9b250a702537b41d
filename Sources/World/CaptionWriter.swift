import AutoDiff

/// Templated captions with synonyms: lower-case words separated by single spaces, ending in
/// `" ."`, e.g. `"a photo of a small red circle on a striped background ."`,
/// `"a big star that is pink ."`, `"there is a tiny cyan diamond ."`.
///
/// A template is a list of words and slots. `{size}` is filled with a size synonym with
/// probability ``sizeProbability`` (else it vanishes), `{background}` with
/// `on a <texture synonym> background` with probability ``backgroundProbability`` (never for
/// blotch backgrounds), `{texture}` always with a texture synonym (templates holding it are
/// skipped for blotch backgrounds). Finally every `a` before a word starting with a vowel
/// becomes `an` ("an orange square").
public enum CaptionWriter {
    /// The caption templates, in draw order.
    public static let templates: [String] = [
        "a photo of a {size} {color} {shape} {background} .",
        "a {size} {shape} that is {color} .",
        "there is a {size} {color} {shape} {background} .",
        "a {color} {shape} {background} .",
        "a picture of a {size} {color} {shape} .",
        "the {size} {shape} is {color} .",
        "an image of a {size} {color} {shape} {background} .",
        "a {size} {color} {shape} in front of a {texture} background .",
    ]

    /// Probability that `{size}` is filled.
    public static let sizeProbability = 0.6
    /// Probability that `{background}` is filled.
    public static let backgroundProbability = 0.5

    /// A caption for `scene`.
    ///
    /// Draws from `stream`, in this order: the template `int(below:)` over the usable
    /// templates; then, for each slot left to right: `{size}` a ``RandomStream/uniformDouble()``
    /// (filled when below ``sizeProbability``) and, if filled, the synonym `int(below:)`;
    /// `{background}` likewise with ``backgroundProbability``; `{texture}` the synonym.
    public static func caption(for scene: WorldScene, from stream: inout RandomStream) -> String {
        let texture = scene.background.texture
        let usable = templates.filter { texture != nil || !$0.contains("{texture}") }
        let template = usable[stream.int(below: usable.count)]
        var words: [String] = []
        for token in template.split(separator: " ") {
            switch token {
            case "{size}":
                if stream.uniformDouble() < sizeProbability {
                    let synonyms = scene.size.synonyms
                    words.append(synonyms[stream.int(below: synonyms.count)])
                }
            case "{color}":
                words.append(scene.color.name)
            case "{shape}":
                words.append(scene.shape.name)
            case "{background}":
                if let texture, stream.uniformDouble() < backgroundProbability {
                    words += ["on", "a", texture.synonyms[stream.int(below: texture.synonyms.count)], "background"]
                }
            case "{texture}":
                let synonyms = texture!.synonyms
                words.append(synonyms[stream.int(below: synonyms.count)])
            default:
                words.append(String(token))
            }
        }
        for i in words.indices.dropLast() where words[i] == "a" && startsWithVowel(words[i + 1]) {
            words[i] = "an"
        }
        return words.joined(separator: " ")
    }

    /// Every word a caption can contain, sorted: template words, all synonyms, colour and
    /// shape names, `on`/`a`/`background` of the background phrase, and `an`.
    static var words: Set<String> {
        var words = Set<String>(["on", "a", "an", "background"])
        for template in templates {
            for token in template.split(separator: " ") where !token.hasPrefix("{") {
                words.insert(String(token))
            }
        }
        words.formUnion(ObjectSize.allCases.flatMap(\.synonyms))
        words.formUnion(BackgroundTexture.allCases.flatMap(\.synonyms))
        words.formUnion(ObjectColor.allCases.map(\.name))
        words.formUnion(ObjectShape.allCases.map(\.name))
        return words
    }

    private static func startsWithVowel(_ word: String) -> Bool {
        guard let first = word.first else { return false }
        return "aeiou".contains(first)
    }
}
