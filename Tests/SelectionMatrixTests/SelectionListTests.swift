import SelectionMatrix
import Testing

@Suite struct SelectionListTests {
    /// The list `MatrixRunner.selections` gives for features a, b (b requires a) and c.
    let list = SelectionList([[], ["a"], ["c"], ["a", "b"], ["a", "c"], ["a", "b", "c"]])

    @Test func namesAreTheTablesSpellingAndEntriesCarryTheFeatures() {
        #expect(list.names == ["stock", "a", "c", "a+b", "a+c", "a+b+c"])
        #expect(list.entries.first == SelectionList.Entry(selection: "stock", features: ""))
        #expect(list.entries.last == SelectionList.Entry(selection: "a+b+c", features: "a,b,c"))
    }

    @Test func onlyKeepsListOrderWhateverTheOrderAsked() throws {
        let picked = try list.only(["a+c", "stock", "a+c"])
        #expect(picked.names == ["stock", "a+c"])
    }

    @Test func onlyNamesTheUnknownAndListsTheValid() {
        #expect {
            try list.only(["a", "c+a", "d"])
        } throws: { error in
            let unknown = error as? SelectionList.UnknownSelection
            return unknown?.unknown == ["c+a", "d"]
                && unknown?.description == "unknown selection(s) c+a, d; the selections are: stock a c a+b a+c a+b+c"
        }
    }

    @Test func shardsAreRoundRobinDisjointAndCoverTheList() throws {
        #expect(list.shard(try Shard(parsing: "1/4")).names == ["stock", "a+c"])
        #expect(list.shard(try Shard(parsing: "2/4")).names == ["a", "a+b+c"])
        #expect(list.shard(try Shard(parsing: "4/4")).names == ["a+b"])
        for count in 1...8 {
            let shards = try (1...count).map { list.shard(try Shard(index: $0, count: count)).names }
            #expect(shards.flatMap { $0 }.sorted() == list.names.sorted(), "N = \(count)")
            #expect(Set(shards.flatMap { $0 }).count == list.names.count)
            #expect(shards.map(\.count).max()! - shards.map(\.count).min()! <= 1, "even shards for N = \(count)")
        }
        // The same shard twice is the same selections: the list order decides.
        #expect(list.shard(try Shard(index: 2, count: 3)) == list.shard(try Shard(index: 2, count: 3)))
    }

    @Test(arguments: [
        ("0/3", "shard 0 of 3 does not exist: K runs from 1 to 3"),
        ("4/3", "shard 4 of 3 does not exist: K runs from 1 to 3"),
        ("1/0", "the number of shards must be at least 1, not 0"),
        ("2", "a shard is K/N with whole numbers, e.g. 2/4, not '2'"),
        ("a/b", "a shard is K/N with whole numbers, e.g. 2/4, not 'a/b'"),
        ("1/2/3", "a shard is K/N with whole numbers, e.g. 2/4, not '1/2/3'"),
    ])
    func malformedShardsSayWhy(text: String, message: String) {
        #expect {
            try Shard(parsing: text)
        } throws: { error in
            (error as? Shard.Malformed)?.description == message
        }
    }
}
