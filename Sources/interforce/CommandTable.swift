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
    MembershipDescribeCommand.self, MembershipCreateCommand.self, MembershipSignCommand.self,
    MembershipInspectCommand.self, MembershipInstallCommand.self,
    ServeCommand.self, PeersListCommand.self, PeersStatusCommand.self, SyncCommand.self, WatchCommand.self,
    OfficerAddCommand.self, OfficerListCommand.self, OfficerShowCommand.self, OfficerDisableCommand.self,
    SchemaWriteCommand.self,
]

let overview = """
    interforce: share signed, versioned police records between forces.

    USAGE: interforce <command> [<subcommand>] [options]

    COMMANDS:
    \(commands.map { "  " + $0.name.padding(toLength: max(20, $0.name.count + 2), withPad: " ", startingAt: 0) + $0.abstract }
        .joined(separator: "\n"))

    Run 'interforce <command> --help' for the options of one command.
    """

