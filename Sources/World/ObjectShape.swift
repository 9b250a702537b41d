/// The six object shapes of the world, in label order.
///
/// Each shape is a region of the plane in object coordinates `(u, v)`: the object's centre is
/// the origin, its radius is 1, `v` points down (image rows). Every shape fits inside
/// the square `[−1, 1]²` (so the object stays inside its bounding box) and contains the origin,
/// so the pixel at an object's centre always shows the object.
public enum ObjectShape: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case circle, square, triangle, diamond, star, cross

    /// The word captions and class names use.
    public var name: String {
        switch self {
        case .circle: "circle"
        case .square: "square"
        case .triangle: "triangle"
        case .diamond: "diamond"
        case .star: "star"
        case .cross: "cross"
        }
    }

    public var description: String { name }

    /// Whether the point `(u, v)` (object coordinates) lies inside the shape.
    ///
    /// - circle: `u² + v² ≤ 1`;
    /// - square: `max(|u|, |v|) ≤ 0.8` (axis-aligned; area close to the circle's);
    /// - triangle: equilateral, pointing up, inscribed in the unit circle, vertices
    ///   `(0, −1)`, `(±√3/2, 1/2)`;
    /// - diamond: `|u| + |v| ≤ 1` (the square turned 45°, tip to tip 2);
    /// - star: five points, outer radius 1, inner radius 0.45, one point up (even–odd rule);
    /// - cross: an upright plus, arms of half-width 0.3 reaching 0.9.
    public func contains(_ u: Double, _ v: Double) -> Bool {
        switch self {
        case .circle:
            return u * u + v * v <= 1
        case .square:
            return abs(u) <= 0.8 && abs(v) <= 0.8
        case .triangle:
            // Inside the three edges: the base v ≤ 1/2 and the two slanted sides, whose
            // outward normals are (±√3/2, −1/2) at distance 1/2 from the centre.
            let h = 0.866_025_403_784_438_6  // √3/2
            return v <= 0.5 && h * u - 0.5 * v <= 0.5 && -h * u - 0.5 * v <= 0.5
        case .diamond:
            return abs(u) + abs(v) <= 1
        case .star:
            return Self.pointInPolygon(u, v, Self.starVertices)
        case .cross:
            let au = abs(u), av = abs(v)
            return (au <= 0.3 && av <= 0.9) || (av <= 0.3 && au <= 0.9)
        }
    }

    /// The star's ten vertices, outer and inner alternating from the top point clockwise.
    /// Literal values (cos and sin of multiples of 18°) keep rendering independent of the
    /// C library's trigonometry.
    static let starVertices: [(Double, Double)] = {
        let c18 = 0.951_056_516_295_153_5, s18 = 0.309_016_994_374_947_4
        let c54 = 0.587_785_252_292_473_1, s54 = 0.809_016_994_374_947_5
        let r = 0.45
        return [
            (0, -1), (c54 * r, -s54 * r), (c18, -s18), (c18 * r, s18 * r), (c54, s54),
            (0, r), (-c54, s54), (-c18 * r, s18 * r), (-c18, -s18), (-c54 * r, -s54 * r),
        ]
    }()

    /// Even–odd ray casting along +u.
    static func pointInPolygon(_ u: Double, _ v: Double, _ vertices: [(Double, Double)]) -> Bool {
        var inside = false
        var j = vertices.count - 1
        for i in vertices.indices {
            let (ui, vi) = vertices[i], (uj, vj) = vertices[j]
            if (vi > v) != (vj > v) && u < (uj - ui) * (v - vi) / (vj - vi) + ui {
                inside.toggle()
            }
            j = i
        }
        return inside
    }
}
