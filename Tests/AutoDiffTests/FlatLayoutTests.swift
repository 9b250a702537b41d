import AutoDiff
import Testing

@Suite struct FlatLayoutTests {
    /// Groups in the given order, names sorted within a group, then the scalars; one segment each.
    @Test func packsGroupsInOrderAndUnpacksThemBack() {
        let prompts = ["text.ctx": Tensor(shape: [2, 2], values: [1, 2, 3, 4]), "a": Tensor(shape: [1], values: [5])]
        let regulator = ["gram.w": Tensor(shape: [3], values: [6, 7, 8])]
        let layout = FlatLayout([prompts, regulator], scalars: ["loss"])
        #expect(layout.names == ["a", "text.ctx", "gram.w", "loss"])
        #expect(layout.shapes == [[1], [2, 2], [3], []])
        #expect(layout.segments == [0..<1, 1..<5, 5..<8, 8..<9])
        #expect(layout.count == 9)
        let flat = layout.pack(prompts.merging(regulator) { a, _ in a }.merging(["loss": Tensor(9)]) { a, _ in a })
        #expect(flat == [5, 1, 2, 3, 4, 6, 7, 8, 9])
        let back = layout.unpack(flat)
        #expect(back.keys.sorted() == ["a", "gram.w", "loss", "text.ctx"])
        #expect(back["text.ctx"]?.shape == [2, 2] && back["text.ctx"]?.storage == [1, 2, 3, 4])
        #expect(back["loss"]?.shape == [] && back["loss"]?.scalar == 9)
    }
}
