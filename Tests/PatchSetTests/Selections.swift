import RealBuildSupport
/// The feature selections these tests build (each once per process, see ``PatchedBuild``).
enum Selection {
    /// netqmail-1.06 with none of our patches.
    static let stock: [String] = []
    static let maxrcpt = ["maxrcpt"]
    static let liberalLF = ["liberal-lf"]
    static let empf = ["empf"]
    /// empf on top of auth: the empf-on-auth resolution, where the AUTH user is the policy identity.
    static let authEmpf = ["auth", "empf"]
    /// Every feature: the recipe `combined`.
    static let full = ["auth", "tls", "forcetls", "liberal-lf", "maxrcpt", "empf", "msgid-log"]

    /// Builds that contain `feature`, and builds that do not (whose behaviour must stay stock).
    static func with(_ feature: String) -> [[String]] { all.filter { $0.contains(feature) } }
    static func without(_ feature: String) -> [[String]] { all.filter { !$0.contains(feature) } }

    private static let all = [stock, maxrcpt, liberalLF, empf, authEmpf, full]
}
