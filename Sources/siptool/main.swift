// The siptool executable: everything lives in SiptoolCLI; this only wires the process to it.
#if canImport(Glibc)
import Glibc
#endif
import SiptoolCLI

// A closed pipe (`siptool ... | head`) must end output quietly, not kill the process.
signal(SIGPIPE, SIG_IGN)
let status = SiptoolMain.run(arguments: Array(CommandLine.arguments.dropFirst()), context: .process())
exit(status)
