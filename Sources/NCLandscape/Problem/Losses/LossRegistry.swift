import Foundation

/// The only list of the normalized model's losses. The command line (`--loss`, its help, the
/// parameter flags), sweeps, phase diagrams, JSON decoding, `nclandscape losses` and the Python
/// wrapper all read it. Adding a loss is one file conforming to `LossDefinition` plus one line
/// here.
///
/// The order is the order of listings and of phase-diagram rows.
public enum LossRegistry {
    public static let definitions: [any LossDefinition.Type] = [
        CrossEntropyDefinition.self,
        CosFaceDefinition.self,
        FocalDefinition.self,
        ArcFaceDefinition.self,
    ]

    /// The loss a model has when none is given.
    public static let defaultLoss = LossFunction.crossEntropy

    public static var kinds: [String] { definitions.map { $0.kind } }

    public static func definition(kind: String) -> (any LossDefinition.Type)? { definitions.first { $0.kind == kind } }

    /// Position in the registry (phase diagrams order their rows by it).
    public static func rank(of kind: String) -> Int { definitions.firstIndex { $0.kind == kind } ?? definitions.count }

    /// Every parameter key, in the order the registry first names it.
    public static var parameterKeys: [String] {
        var out: [String] = []
        for d in definitions { for p in d.parameters where !out.contains(p.key) { out.append(p.key) } }
        return out
    }

    public static func isParameterKey(_ key: String) -> Bool { definitions.contains { $0.parameters.contains { $0.key == key } } }

    /// The kinds that take parameter `key`.
    public static func kinds(taking key: String) -> [String] {
        definitions.filter { $0.parameters.contains { $0.key == key } }.map { $0.kind }
    }

    /// The kinds that take label smoothing.
    public static var smoothingKinds: [String] { definitions.filter { $0.acceptsLabelSmoothing }.map { $0.kind } }

    /// `--loss` help: every kind, and which take label smoothing.
    public static var lossHelp: String {
        kinds.joined(separator: " | ") + " (normalized model; no label smoothing with "
            + definitions.filter { !$0.acceptsLabelSmoothing }.map { $0.kind }.joined(separator: ", ") + ")"
    }

    /// Help of the flag `--<key>`: every loss that takes it, with its meaning and default.
    public static func parameterHelp(_ key: String) -> String {
        definitions.compactMap { d -> String? in
            guard let p = d.parameters.first(where: { $0.key == key }) else { return nil }
            return "\(d.kind): \(p.help), default \(LossFunction.format(p.defaultValue))"
        }.joined(separator: "; ")
    }

    /// The registry as data (`nclandscape losses --json`): kinds, formulas, parameters with
    /// their defaults and ranges, and whether label smoothing applies.
    public struct Entry: Codable, Sendable {
        public struct Parameter: Codable, Sendable {
            public var key: String
            public var tag: String
            public var defaultValue: Double
            @NullEncodable public var minimum: Double?
            @NullEncodable public var maximum: Double?
            public var help: String
        }
        public var kind: String
        public var summary: String
        public var parameters: [Parameter]
        public var acceptsLabelSmoothing: Bool
        /// The default loss's name (`focal-g2`).
        public var defaultName: String
    }

    public static var entries: [Entry] {
        definitions.map { d in
            Entry(kind: d.kind, summary: d.summary,
                  parameters: d.parameters.map { .init(key: $0.key, tag: $0.tag, defaultValue: $0.defaultValue, minimum: $0.minimum, maximum: $0.maximum, help: $0.help) },
                  acceptsLabelSmoothing: d.acceptsLabelSmoothing,
                  defaultName: (try? LossFunction.make(kind: d.kind, parameters: [:]).name) ?? d.kind)
        }
    }
}
