import CloudWatchLogs
import CloudWatchMetrics
import Dashboard
import Foundation
import Hummingbird
import Logging
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
        let inventory = GPUInventory.detect()
        var jobSettings = JobSettings(dataDirectory: settings.dataDirectory, endpoint: endpoint, region: settings.region, accountId: settings.accountId)
        jobSettings.stopGraceSeconds = settings.stopGraceSeconds
        jobSettings.keepJobFiles = settings.keepJobFiles
        jobSettings.sigtermToScript = settings.sigtermToScript
        jobSettings.spotRestartDelaySeconds = settings.spotRestartDelaySeconds
        jobSettings.spotInterruptionRate = settings.spotInterruptionRate
        jobSettings.seed = settings.seed
        jobSettings.spotPriceRatio = settings.spotPriceRatio
        if let credential = settings.credentials.sorted(by: { $0.key < $1.key }).first {
            jobSettings.accessKey = credential.key
            jobSettings.secretKey = credential.value
        }
        let jobs = try JobController(
            settings: jobSettings, objects: store, logs: logs, metrics: metricStore, specs: specs,
            gpus: GPUAllocator(inventory: inventory, policy: settings.gpuShortage), isolation: isolation, logger: logger)

        if !settings.spotCapacityAvailable { await jobs.setSpotCapacity(available: false) }
        let dispatcher = Dispatcher(
            s3: S3Service(store: store, virtualHostDomains: settings.virtualHostDomains),
            sts: STSService(accountId: settings.accountId),
            iam: IAMService(accountId: settings.accountId),
            metrics: metrics,
            jsonServices: [
                metrics.targetPrefix: metrics,
                "SageMaker": SageMakerService(jobs: jobs, specs: specs),
                "Logs_20140328": LogsService(store: logs),
            ],
            authenticator: Authenticator(credentials: settings.credentials),
            control: ControlRoutes(
                jobs: jobs, services: ["s3", "sts", "iam", "sagemaker", "logs", "monitoring"],
                stopGraceSeconds: settings.stopGraceSeconds, sigtermToScript: settings.sigtermToScript,
                dashboard: Dashboard(jobs: jobs, logs: logs, metrics: metricStore, objects: store)))
        let app = Application(
            responder: dispatcher,
            server: .http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler()])),
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
}
