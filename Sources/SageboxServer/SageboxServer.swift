import Foundation
import Hummingbird
import Logging
import ObjectStore
import S3

/// The `sagebox serve` process: every service on one port.
public enum SageboxServer {
    public static func run(_ settings: ServerSettings, logger: Logger) async throws {
        let store = try ObjectStore(
            dataDirectory: settings.dataDirectory, defaultRegion: settings.region, fsync: settings.fsync, logger: logger)
        let dispatcher = Dispatcher(
            s3: S3Service(store: store, virtualHostDomains: settings.virtualHostDomains),
            sts: STSService(accountId: settings.accountId),
            authenticator: Authenticator(credentials: settings.credentials))
        let app = Application(
            responder: dispatcher,
            server: .http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler()])),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.port
                let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
                // Scripts and tests read this line to learn the endpoint, so it goes to stdout unconditionally.
                let line = "Sagebox listening on http://\(host):\(port) (data in \(settings.dataDirectory))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            },
            logger: logger)
        try await app.runService()
        try await store.shutdown()
    }
}
