import ArgumentParser
import CMalloc
import Foundation
import Logging
import NIOCore
import NIOPosix
import Runner
import SageboxServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Sagebox server.",
        discussion: """
            Every service answers on one port. Without credentials, any well-formed request is accepted whatever
            its keys; with --access-key/--secret-key or --credentials-file, SigV4 signatures are verified.
            """
    )

    @Option(help: "Address to bind. Binding beyond 127.0.0.1 exposes your data to the network.")
    var host = ServerSettings.defaults.host

    @Option(help: "Port to listen on (0 picks a free one; the start-up line names it).")
    var port = ServerSettings.defaults.port

    @Option(help: "Where buckets, objects and jobs are kept.")
    var dataDir = ServerSettings.defaults.dataDirectory

    @Option(help: "Region reported for buckets created without a location constraint.")
    var region = ServerSettings.defaults.region

    @Option(help: "Account id reported by STS GetCallerIdentity and used in ARNs.")
    var accountId = ServerSettings.defaults.accountId

    @Option(help: "Access key id to require (with --secret-key).")
    var accessKey: String?

    @Option(help: "Secret access key for --access-key.")
    var secretKey: String?

    @Option(help: "File of credentials to require, one 'ACCESS_KEY_ID SECRET_ACCESS_KEY' pair a line ('#' starts a comment).")
    var credentialsFile: String?

    @Option(help: "Extra host name for virtual-host-style S3 addressing (<bucket>.<name>); 'localhost' is always served.")
    var virtualHostDomain: [String] = []

    @Flag(inversion: .prefixedNo, help: "fsync every object before acknowledging it.")
    var fsync = true

    @Option(help: "Seconds between SIGTERM and SIGKILL when a job is stopped, reaches its time limit or is interrupted.")
    var stopGraceSeconds = ServerSettings.defaults.stopGraceSeconds

    @Option(help: "When a job asks for more GPUs than this machine has: run (with the GPUs there are), wait, or fail.")
    var gpuShortage = ServerSettings.defaults.gpuShortage

    @Option(name: .customLong("container-specs"), help: "Folder of container specs (image → how it runs here), searched before the bundled ones. Repeatable.")
    var containerSpecs: [String] = []

    @Option(help: "Training images no container spec matches: reject them, or run them with the 'generic' spec.")
    var unknownImages: UnknownImages = .reject

    @Flag(help: "Keep each job's /opt/ml trees under the data dir after it ends (for debugging).")
    var keepJobFiles = false

    @Flag(help: "Deliver SIGTERM to toolkit-launched scripts on stop and interruption (the real toolkit does not forward it).")
    var sigtermToScript = false

    @Option(help: "Seconds a spot job waits for capacity after an interruption before it restarts.")
    var spotRestartDelaySeconds = ServerSettings.defaults.spotRestartDelaySeconds

    @Option(help: "Random spot interruptions: expected interruptions per hour of training (0: none).")
    var spotInterruptionRate = ServerSettings.defaults.spotInterruptionRate

    @Option(help: "Seed of the random spot interruptions: the same seed gives the same interruption times.")
    var seed = ServerSettings.defaults.seed

    @Option(help: "Billable seconds of spot jobs = training seconds × this ratio.")
    var spotPriceRatio = ServerSettings.defaults.spotPriceRatio

    @Option(help: "Spot capacity at start: available, or unavailable (spot jobs wait in Starting until POST /_sagebox/spot-capacity?available=true or MaxWait).")
    var spotCapacity: SpotCapacity = .available

    @Option(help: "The /16 (A.B.0.0/16) whose /24s the hosts of multi-host jobs get their addresses from; pick one no network of this machine uses.")
    var hostNetworkRange = ServerSettings.defaults.hostNetworkRange

    @Option(help: "Seconds a connection may sit idle between requests before it is closed (0: never).")
    var idleTimeoutSeconds = ServerSettings.defaults.idleTimeoutSeconds

    @Option(help: "Seconds a client has to send a whole request head once it has begun (0: no limit).")
    var headerReadTimeoutSeconds = ServerSettings.defaults.headerReadTimeoutSeconds

    @Option(help: "Log level: trace, debug (logs every request), info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        if (accessKey == nil) != (secretKey == nil) {
            throw ValidationError("--access-key and --secret-key go together.")
        }
        do {
            _ = try SubnetPool(range: hostNetworkRange)
        } catch {
            throw ValidationError("--host-network-range: \(error)")
        }
        if idleTimeoutSeconds < 0 || headerReadTimeoutSeconds < 0 {
            throw ValidationError("Timeouts are seconds, 0 or more.")
        }
    }

    func run() async throws {
        // glibc gives each thread its own malloc arena; a few shared arenas keep the resident size flat under load.
        _ = mallopt(M_ARENA_MAX, 2)
        // Request handlers then run on the event loops that own their connections instead of hopping to a
        // separate pool and back: about 20% more small requests per second. Nothing here blocks for long on
        // the cooperative executor (file I/O and fsync go to the store's I/O pool, children to their threads).
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        var settings = ServerSettings(dataDirectory: dataDir)
        settings.host = host
        settings.port = port
        settings.region = region
        settings.accountId = accountId
        settings.fsync = fsync
        settings.virtualHostDomains = ["localhost"] + virtualHostDomain
        settings.stopGraceSeconds = stopGraceSeconds
        settings.gpuShortage = gpuShortage
        settings.containerSpecFolders = containerSpecs
        settings.unknownImagesRunGeneric = unknownImages == .generic
        settings.keepJobFiles = keepJobFiles
        settings.sigtermToScript = sigtermToScript
        settings.spotRestartDelaySeconds = spotRestartDelaySeconds
        settings.spotInterruptionRate = spotInterruptionRate
        settings.seed = seed
        settings.spotPriceRatio = spotPriceRatio
        settings.spotCapacityAvailable = spotCapacity == .available
        settings.hostNetworkRange = hostNetworkRange

        settings.idleTimeoutSeconds = idleTimeoutSeconds
        settings.headerReadTimeoutSeconds = headerReadTimeoutSeconds
        settings.cliCommand = Self.commandName()
        if let accessKey, let secretKey { settings.credentials[accessKey] = secretKey }
        if let credentialsFile { settings.credentials.merge(try Self.readCredentials(credentialsFile)) { $1 } }
        var logger = Logger(label: "sagebox")
        logger.logLevel = logLevel
        try await SageboxServer.run(settings, logger: logger)
    }

    /// How to run this binary again from the user's shell: `sagebox` when that is how it was started (found on
    /// PATH), else its absolute path, quoted for the shell, so the printed `eval` line works as printed.
    static func commandName(_ argument: String = CommandLine.arguments[0]) -> String {
        guard argument.contains("/") else { return argument }
        let absolute = URL(fileURLWithPath: argument).standardizedFileURL.path
        return absolute.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+".contains($0) }) ? absolute : Env.quote(absolute)
    }

    static func readCredentials(_ path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("Cannot read the credentials file \(path).")
        }
        var credentials: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].split(whereSeparator: \.isWhitespace)
            if fields.isEmpty { continue }
            guard fields.count == 2 else {
                throw ValidationError("\(path):\(number + 1): expected 'ACCESS_KEY_ID SECRET_ACCESS_KEY'.")
            }
            credentials[String(fields[0])] = String(fields[1])
        }
        return credentials
    }
}

enum UnknownImages: String, ExpressibleByArgument, CaseIterable {
    case reject, generic
}

enum SpotCapacity: String, ExpressibleByArgument, CaseIterable {
    case available, unavailable
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension GPUShortagePolicy: ExpressibleByArgument {}
