/// The eMPF policy the patch author's checks use, and the rcpthosts that go with it.
enum PolicyFixture {
    static let rcpthosts = "ldom.test\nrdom.test\nidom.test\nedom.test\nopen.test\nplain.test\n"

    /// docs/empf.md#sides: `L`/`R` come only from the sender's line (where it may send:
    /// its own domain / any other), `I`/`E` only from the recipient's line (from whom it may
    /// receive: its own domain / any other); both sides must allow.
    ///
    /// ldom: its users may not receive from each other, except boss, who may (`i`, `boss:I`);
    /// rdom: takes mail from outside only from friend.test and its subdomains
    /// (`E(patterns)e`); idom: its users may not send within idom, except chief (`l`,
    /// `chief:L`); edom: may not send out, except joe to partner.test (`r`,
    /// `joe:R(pattern)`); open: everything allowed (but it has a line, so sending as it
    /// needs authentication).
    static let policy = """
        # eMPF test policy
        ; semicolon comment too

        ldom.test:i,boss:I,
        rdom.test:E(*@friend.test,*@*.friend.test)e,
        idom.test:lIE,chief:L,
        edom.test:r,joe:R(*@partner.test),
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

    /// docs/empf.md's worked examples, each with example.com local (rcpthosts).
    enum Worked {
        static let rcpthosts = "example.com\n"
        /// example.com users may mail each other; not out, and outsiders not in.
        static let closed = "example.com:LIre,\n"
        /// example.com users may send anywhere; only example.com senders may mail them.
        static let sendOut = "example.com:LIRe,\n"
        /// As `closed`, but sales@ may send out and receive from outside.
        static let sales = "example.com:LIre,sales:RE,\n"
        /// As `closed`, but tasks@ may exchange mail with example.org (only).
        static let tasks = "example.com:LIre,tasks:R(*@example.org)E(*@example.org),\n"
    }
}
