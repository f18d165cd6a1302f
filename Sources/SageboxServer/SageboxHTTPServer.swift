import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 channel with what Sagebox adds to every connection: impossible Content-Lengths refused,
/// `Expect: 100-continue` answered at once, `Connection: close` answers honoured, an idle timeout, and a header-read
/// timeout (which needs a handler in front of the HTTP decoder, where
/// Hummingbird's configuration cannot put one).
struct SageboxHTTPChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let headerReadTimeout: TimeAmount?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            if let headerReadTimeout { try channel.pipeline.syncOperations.addHandler(HeaderReadTimer(timeout: headerReadTimeout)) }
        }.flatMap {
            http1.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// The server every `sagebox serve` runs; a nil timeout means none.
    static func sagebox(idleTimeout: TimeAmount?, headerReadTimeout: TimeAmount?) -> HTTPServerBuilder {
        .init { responder in
            let handlers: @Sendable () -> [any RemovableChannelHandler] = {
                let always: [any RemovableChannelHandler] = [ContentLengthGuard(), ExpectContinueHandler(), ConnectionCloseHandler()]
                return headerReadTimeout == nil ? always : always + [HeaderReadMarker()]
            }
            return SageboxHTTPChannel(
                http1: HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: handlers(), idleTimeout: idleTimeout)),
                headerReadTimeout: headerReadTimeout)
        }
    }
}
