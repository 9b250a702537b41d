import AutoDiff
import Datasets
import Foundation
import Testing
@testable import World

@Suite struct WorldRendererTests {
    /// Mean hue (circular, degrees in (−180, 180]) and mean saturation of the 3×3 pixels
    /// around each object's centre, over `count` images of `color` objects.
    static func centreStatistics(_ color: ObjectColor, shift: DomainShift, count: Int)
        -> (hue: Double, saturation: Double)
    {
        var sumCos = 0.0, sumSin = 0.0, saturation = 0.0, n = 0.0
        for index in 0..<count {
            let label = World.label(color: color, shape: ObjectShape.allCases[index % 6])
            var stream = World.stream(seed: 21, .downstreamScene, label: label, index: index)
            let scene = WorldScene.sample(color: color, shape: ObjectShape.allCases[index % 6], shift: shift, from: &stream)
            let image = WorldRenderer.render(scene, supersampling: 2,
                                             noise: World.stream(seed: 21, .downstreamNoise, label: label, index: index))
            let cx = Int(scene.centerX), cy = Int(scene.centerY)
            for y in (cy - 1)...(cy + 1) {
                for x in (cx - 1)...(cx + 1) {
                    let hsv = RGBColor(red: Double(image[x, y, 0]) / 255, green: Double(image[x, y, 1]) / 255,
                                       blue: Double(image[x, y, 2]) / 255).hsv
                    sumCos += cos(hsv.hue * .pi / 180)
                    sumSin += sin(hsv.hue * .pi / 180)
                    saturation += hsv.saturation
                    n += 1
                }
            }
        }
        return (atan2(sumSin, sumCos) * 180 / .pi, saturation / n)
    }

    /// The downstream shift rotates object hues by 10° and scales saturation by 0.6; the
    /// pixels at object centres show both. Bounds: hue jitter is ±6° and noise σ 5 moves the
    /// hue of a saturated colour by a few degrees, so the mean over 30 images × 9 pixels is
    /// within 8° of the nominal hue (within 4° for the downstream check, so that it tells the
    /// 10° rotation apart: the mean of the ±6° jitter over 30 images has σ ≈ 0.6°);
    /// saturation U[0.7, 1) averages 0.85 versus 0.51 after ×0.6.
    @Test(arguments: [ObjectColor.red, .green, .blue, .pink])
    func downstreamObjectsAreHueRotatedAndDesaturated(color: ObjectColor) {
        let pretraining = Self.centreStatistics(color, shift: .none, count: 30)
        let downstream = Self.centreStatistics(color, shift: .downstreamDefault, count: 30)
        func distance(_ a: Double, _ b: Double) -> Double {
            let d = abs((a - b).truncatingRemainder(dividingBy: 360))
            return min(d, 360 - d)
        }
        #expect(distance(pretraining.hue, color.hue) < 8, "pretraining hue \(pretraining.hue) for \(color)")
        #expect(distance(downstream.hue, color.hue + DomainShift.downstreamDefault.hueRotation) < 4, "downstream hue \(downstream.hue) for \(color)")
        #expect(pretraining.saturation > 0.75 && downstream.saturation < 0.6,
                "saturation \(pretraining.saturation) → \(downstream.saturation)")
    }

    @Test func objectEdgesAreAntiAliased() {
        // A big red circle on a plain grey background: pixels across the rim take values
        // strictly between the background's and the object's.
        let grey = RGBColor(red: 0.5, green: 0.5, blue: 0.5)
        let scene = WorldScene(color: .red, shape: .circle, size: .big, centerX: 16.3, centerY: 16, radius: 9.7,
                               objectColor: RGBColor(red: 1, green: 0, blue: 0), background: .plain(grey))
        let image = WorldRenderer.render(scene, supersampling: 4)
        #expect(image[16, 16, 0] == 255 && image[16, 16, 1] == 0)
        #expect(image[0, 0, 0] == 128 && image[0, 0, 1] == 128)
        let greens = Set((0..<32).map { image[$0, 16, 1] })
        #expect(greens.contains { $0 > 0 && $0 < 128 }, "\(greens.sorted())")
        let hard = WorldRenderer.render(scene, supersampling: 1)
        #expect(Set((0..<32).map { hard[$0, 16, 1] }) == [0, 128])
    }

    @Test(arguments: ObjectShape.allCases)
    func everyShapeCoversItsCentreAndStaysInItsBox(shape: ObjectShape) {
        #expect(shape.contains(0, 0))
        // Nothing outside [−1, 1]²: probe a ring of points just outside the box.
        for k in 0..<400 {
            let t = Double(k) / 100 - 2
            #expect(!shape.contains(t, 1.001) && !shape.contains(t, -1.001) && !shape.contains(1.001, t) && !shape.contains(-1.001, t))
        }
        var area = 0
        let n = 200
        for i in 0..<n {
            for j in 0..<n {
                let u = (Double(i) + 0.5) / Double(n) * 2 - 1, v = (Double(j) + 0.5) / Double(n) * 2 - 1
                if shape.contains(u, v) {
                    area += 1
                }
            }
        }
        // Every shape fills a sizeable part of the square [−1, 1]² (the triangle, smallest, 0.32).
        #expect(Double(area) / Double(n * n) > 0.25, "\(shape) area fraction \(Double(area) / Double(n * n))")
    }

    @Test func objectsStayInsideTheFrame() {
        for index in 0..<200 {
            var stream = World.stream(seed: 4, .pretrainingScene, index: index)
            let scene = WorldScene.sample(color: .red, shape: .circle, shift: .none, from: &stream)
            #expect(scene.centerX - scene.radius >= 1 && scene.centerX + scene.radius <= 31)
            #expect(scene.centerY - scene.radius >= 1 && scene.centerY + scene.radius <= 31)
        }
    }
}
