// `interforce officer add|list|show|disable`: the registry that maps Unix accounts to officers (collar number,
// name, force, roles, clearance). Only an admin changes it (the node's own account is always one), and every change
// is a log row. The node learns who runs the CLI from the kernel; this registry is what it then knows about them.

import InterforceCore
import InterforceNode

enum OfficerAddCommand: Command {
    static let name = "officer add"
    static let abstract = "register a Unix account as an officer, or change its registration"
    static let usage =
        "officer add ACCOUNT --collar NUMBER --name NAME --role ROLE... [--clearance MARKING] [--force SLUG] "
        + "[--request-id ID]"
    static let discussion = """
        Roles: officer (read and write records), analyst (read and query), supervisor (read, erase), auditor
        (the audit log, no record content), admin (officers, membership, peers, trust, checkpoints, ingest; no
        record content unless given a reading role too). --clearance OFFICIAL-SENSITIVE lets the officer read
        OFFICIAL-SENSITIVE records they are not named on. Adding an account that is registered replaces its
        registration and enables it.
        """
    static let options = [
        OptionSpec(name: "collar", help: "collar (warrant) number, e.g. 'PC 1234'", valueName: "NUMBER"),
        OptionSpec(name: "name", help: "the officer's name", valueName: "NAME"),
        OptionSpec(name: "role", help: "a role (repeat, or comma-separate)", valueName: "ROLE", repeatable: true),
        OptionSpec(name: "clearance", help: "OFFICIAL (default) or OFFICIAL-SENSITIVE", valueName: "MARKING"),
        OptionSpec(name: "force", help: "the officer's force (default: this node's)", valueName: "SLUG"),
        requestIDOption, outputOption,
    ]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one ACCOUNT") }
        guard let collar = args.value("collar") else { throw UsageError("--collar is required") }
        guard let name = args.value("name") else { throw UsageError("--name is required") }
        let format = try OutputFormat.from(args)
        var roles: [Role] = []
        for text in args.all("role").flatMap({ $0.split(separator: ",").map(String.init) }) {
            do { roles.append(try Role(validating: text)) } catch { throw UsageError("--role: \(error.message)") }
        }
        guard !roles.isEmpty else { throw UsageError("give at least one --role") }
        var clearance = Classification.official
        if let c = args.value("clearance") {
            do { clearance = try Classification(validating: c) } catch {
                throw UsageError("--clearance: \(error.message)")
            }
        }
        do { try TextRules.check(name, what: "--name", maxLength: 100) } catch { throw UsageError(error.message) }
        let request = OfficerAddRequest(
            requestId: try context.requestID(args), account: args.positionals[0],
            collar: collar, name: name, force: args.value("force"), roles: roles,
            clearance: clearance)
        printOfficer(try context.api(args).addOfficer(request).officer, format: format)
        return ExitCode.success
    }
}

enum OfficerListCommand: Command {
    static let name = "officer list"
    static let abstract = "list the registered officers"
    static let usage = "officer list [-o table|json]"
    static let options = [outputOption]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        let format = try OutputFormat.from(args)
        let officers = try context.api(args).listOfficers().officers
        if format == .json {
            printJSON(.array(officers.map(\.json)))
        } else {
            printOut(
                table(["ACCOUNT", "UID", "COLLAR", "NAME", "FORCE", "ROLES", "CLEARANCE", "STATE"], officers.map(row)))
        }
        return ExitCode.success
    }
}

enum OfficerShowCommand: Command {
    static let name = "officer show"
    static let abstract = "show one registration (your own without ACCOUNT)"
    static let usage = "officer show [ACCOUNT] [-o table|json]"
    static let options = [outputOption]
    static let role = "any registered officer for their own registration; admin for others'"

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count <= 1 else { throw UsageError("give at most one ACCOUNT") }
        let format = try OutputFormat.from(args)
        printOfficer(
            try context.api(args).showOfficer(OfficerShowRequest(account: args.positionals.first)).officer,
            format: format)
        return ExitCode.success
    }
}

enum OfficerDisableCommand: Command {
    static let name = "officer disable"
    static let abstract = "disable a registration (kept, so the log's collar numbers stay explained)"
    static let usage = "officer disable ACCOUNT [--request-id ID]"
    static let options = [requestIDOption, outputOption]
    static let role = roleLine(.administer)

    static func run(_ args: ParsedArguments, _ context: Context) throws -> Int32 {
        guard args.positionals.count == 1 else { throw UsageError("give exactly one ACCOUNT") }
        let format = try OutputFormat.from(args)
        let request = OfficerDisableRequest(requestId: try context.requestID(args), account: args.positionals[0])
        printOfficer(try context.api(args).disableOfficer(request).officer, format: format)
        return ExitCode.success
    }
}

private func row(_ o: Officer) -> [String] {
    [
        o.account, String(o.uid), o.collar, o.name, o.force, o.roles.sorted().map(\.rawValue).joined(separator: ","),
        o.clearance.rawValue, o.disabled ? "disabled" : "enabled",
    ]
}

private func printOfficer(_ officer: Officer, format: OutputFormat) {
    if format == .json {
        printJSON(officer.json)
    } else {
        printOut(table(["ACCOUNT", "UID", "COLLAR", "NAME", "FORCE", "ROLES", "CLEARANCE", "STATE"], [row(officer)]))
    }
}
