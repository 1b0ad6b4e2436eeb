import ArgumentParser

@main
struct Qmailkit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qmailkit",
        abstract: "Build a custom netqmail-1.06: fetch, patch, build, verify.",
        discussion: """
            A typical session:
              qmailkit fetch                    # verified netqmail-1.06 in ./netqmail-1.06
              qmailkit patch --with tls,auth,forcetls -o qmail-src
              qmailkit build qmail-src -j2 --sandbox /tmp/qmail-home --test-users nobody
              qmailkit verify --target build:qmail-src.build
              qmailkit combine combined -o netqmail-1.06-combined.patch
              qmailkit install qmail-src.build --destdir /tmp/stage
              qmailkit package --deb qmail-src.build -o netqmail_1.06-1_amd64.deb

            \(ExitStatus.helpText)
            """,
        subcommands: [Fetch.self, Patch.self, Check.self, Combine.self, Compare.self, Edit.self, Refresh.self, Build.self,
                      Install.self, PackageCommand.self, Verify.self, Matrix.self, CI.self, Serve.self])
}
