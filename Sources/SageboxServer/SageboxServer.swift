import AWSWire
import CloudWatchLogs
import CloudWatchMetrics
import Dashboard
import Foundation
import Hummingbird
import Logging
import NIOCore
import ObjectStore
import Runner
import S3
import SageMaker
import TrainingJobs

/// The `sagebox serve` process: every service on one port.
public enum SageboxServer {
    public static func run(_ settings: ServerSettings, logger: Logger) async throws {
        let lock = try DataDirectoryLock(directory: settings.dataDirectory)
        defer { withExtendedLifetime(lock) {} }
        let store = try ObjectStore(
            dataDirectory: settings.dataDirectory, defaultRegion: settings.region, fsync: settings.fsync, logger: logger)
        let metricStore = try MetricStore(path: settings.dataDirectory + "/metrics/metrics.sqlite")
        let metrics = MetricsService(store: metricStore)
        let logs = try LogStore(path: settings.dataDirectory + "/logs/logs.sqlite", region: settings.region, accountId: settings.accountId)
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        let endpoint = EndpointReference("http://\(host):\(settings.port)")

        let specs = try ContainerSpecCatalog.load(from: settings.containerSpecFolders, fallbackToGeneric: settings.unknownImagesRunGeneric)
        let isolation = await Isolation.detect()
        if case .none(let reason) = isolation {
            logger.warning("jobs run without a mount namespace (\(reason)): their /opt/ml tree is elsewhere and SM_* paths point there")
        }
        let containment = Containment.detect()
        if case .environmentMarker(let reason) = containment {
            logger.warning("job processes are found by an environment marker, not a cgroup (\(reason)): a process that clears its environment can outlive its job")
        }
        let inventory = GPUInventory.detect()
        // Jobs' own AWS clients sign with the first configured credential, so a server that verifies accepts them.
        let credential = settings.credentials.sorted(by: { $0.key < $1.key }).first ?? (key: "sagebox", value: "sagebox")
        let jobSettings = JobSettings(
            dataDirectory: settings.dataDirectory, endpoint: endpoint, region: settings.region, accountId: settings.accountId,
            accessKey: credential.key, secretKey: credential.value, stopGraceSeconds: settings.stopGraceSeconds,
            keepJobFiles: settings.keepJobFiles, sigtermToScript: settings.sigtermToScript,
            spotRestartDelaySeconds: settings.spotRestartDelaySeconds, spotInterruptionRate: settings.spotInterruptionRate,
            seed: settings.seed, spotPriceRatio: settings.spotPriceRatio, hostNetworkRange: settings.hostNetworkRange)
        let jobs = try await JobController(
            settings: jobSettings, objects: store, logs: logs, metrics: metricStore, specs: specs,
            gpus: GPUAllocator(inventory: inventory, policy: settings.gpuShortage), isolation: isolation, containment: containment,
            logger: logger)

        if !settings.spotCapacityAvailable { await jobs.setSpotCapacity(available: false) }
        var services = ServiceRegistry()
        services.register(query: STSService(accountId: settings.accountId))
        services.register(query: IAMService(accountId: settings.accountId))
        services.register(json: SageMakerService(jobs: jobs, specs: specs))
        services.register(json: LogsService(store: logs))
        services.register(json: metrics)
        services.register(query: metrics)
        let authenticator = Authenticator(credentials: settings.credentials)
        let dispatcher = Dispatcher(
            s3: S3Service(store: store, virtualHostDomains: settings.virtualHostDomains),
            services: services,
            authenticator: authenticator,
            control: ControlRoutes(
                jobs: jobs, services: services.names, authenticator: authenticator,
                stopGraceSeconds: settings.stopGraceSeconds, sigtermToScript: settings.sigtermToScript,
                dashboard: Dashboard(jobs: jobs, logs: logs, metrics: metricStore, objects: store)))
        let app = Application(
            responder: dispatcher,
            server: .sagebox(
                idleTimeout: Self.timeAmount(settings.idleTimeoutSeconds), headerReadTimeout: Self.timeAmount(settings.headerReadTimeoutSeconds)),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.port
                endpoint.url = "http://\(host):\(port)"
                // Scripts and tests read this line to learn the endpoint, so it goes to stdout unconditionally.
                let gpus = inventory.indices.isEmpty ? "no GPUs" : "\(inventory.indices.count) GPU(s)"
                let line = "Sagebox listening on \(endpoint.url) (data in \(settings.dataDirectory); \(gpus); \(specs.specs.count) container specs)\n"
                    + "Point clients at it with: eval \"$(\(settings.cliCommand) env --endpoint \(endpoint.url))\"\n"
                    + "Dashboard: \(endpoint.url)/_sagebox/ui/\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            },
            logger: logger)
        try await app.runService()
        try await store.shutdown()
    }

    /// A timeout option as NIO takes it; 0 means none.
    static func timeAmount(_ seconds: Double) -> TimeAmount? {
        seconds > 0 ? .nanoseconds(Int64(seconds * 1_000_000_000)) : nil
    }
}
