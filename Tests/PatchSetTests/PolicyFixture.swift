/// The eMPF policy the patch author's checks use, and the rcpthosts that go with it.
enum PolicyFixture {
    static let rcpthosts = "ldom.test\nrdom.test\nidom.test\nedom.test\nopen.test\nplain.test\n"

    /// ldom: local senders refused except to boss; rdom: only friend.test senders;
    /// idom: may not send internally except chief; edom: may not send out except joe
    /// to partner.test; open: everything allowed (but it has a line, so sending as it
    /// needs authentication).
    static let policy = """
        # eMPF test policy
        ; semicolon comment too

        ldom.test:l,boss:L,
        rdom.test:R(*@friend.test,*@*.friend.test)r,
        idom.test:iLR,chief:I,
        edom.test:e,joe:E(*@partner.test),
        open.test:LRIE,

        """

    /// control files: rcpthosts and policy (nil: no policy file).
    static func control(policy: String? = PolicyFixture.policy, rcpthosts: String = PolicyFixture.rcpthosts)
        -> [String: String?] {
        ["rcpthosts": rcpthosts, "policy": policy]
    }

    static func denied(_ address: String) -> String {
        "550 cannot message \(address) (#5.0.0 denied by policy)"
    }

    static func broken(_ address: String) -> String {
        "454 cannot message \(address) (#4.3.0 broken policy)"
    }
}
