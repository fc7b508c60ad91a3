// The table of subcommands and the top-level help.

/// Every subcommand, in the order `--help` lists them. Immutable; unsafe only because metatypes of a non-Sendable
/// protocol are not Sendable.
nonisolated(unsafe) let commands: [any Command.Type] = [
    InitCommand.self,
    RecordNewCommand.self, RecordUpdateCommand.self, RecordShowCommand.self, RecordHistoryCommand.self,
    RecordEraseCommand.self,
    QueryCommand.self,
    LinkSameAsCommand.self, LinkRemoveCommand.self, DedupScanCommand.self,
    AuditLogCommand.self, AuditVerifyCommand.self, AuditExportCommand.self, AuditCheckpointCommand.self,
    StatusCommand.self,
    EntriesExportCommand.self, EntriesIngestCommand.self,
    TrustAddCommand.self,
    MembershipDescribeCommand.self, MembershipCreateCommand.self, MembershipSignCommand.self, MembershipDiffCommand.self,
    MembershipInspectCommand.self, MembershipInstallCommand.self,
    ServeCommand.self, PeersListCommand.self, PeersStatusCommand.self, PeersAddCommand.self,
    PeersRemoveCommand.self, SyncCommand.self, WatchCommand.self,
    OfficerAddCommand.self, OfficerListCommand.self, OfficerShowCommand.self, OfficerDisableCommand.self,
    SchemaWriteCommand.self,
]

/// The column the abstracts start at: past the longest command name.
let nameWidth = commands.map { $0.name.count }.max()! + 2

let overview = """
    interforce: share signed, versioned police records between forces.

    USAGE: interforce <command> [<subcommand>] [options]

    COMMANDS:
    \(commands.map { "  " + $0.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + $0.abstract }
        .joined(separator: "\n"))

    Run 'interforce <command> --help' for the options of one command, 'interforce --version' for the version.
    """

