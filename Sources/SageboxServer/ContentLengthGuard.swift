import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `400` at once, and closes, when a request's Content-Length is no length a body can have. NIO's parser
/// accepts any value below 2^64, but past 2^63 it fits no Int64: Hummingbird then sees no limit to check, and the
/// request waited forever for a body that could never end. Nothing after such a head can be trusted, so the rest of
/// the connection's input is dropped.
final class ContentLengthGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        if case .head(let head) = unwrapInboundIn(data), let length = head.headerFields[.contentLength], Int64(length) == nil {
            refused = true
            let answer = HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])
            context.write(wrapOutboundOut(.head(answer)), promise: nil)
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
            return
        }
        context.fireChannelRead(data)
    }
}
