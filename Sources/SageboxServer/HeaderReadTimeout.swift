import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request head has not arrived in full within a time limit of its first byte, so that
/// clients trickling headers (slowloris) cannot hold connections open. Two handlers share the work: the timer sits
/// in front of the HTTP decoder, where bytes arrive; the marker sits behind it, where whole request heads and
/// response ends are seen, and tells the timer about them with outbound user events.
final class HeaderReadTimer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    // Writes pass through untouched; only the user events below are looked at.
    typealias OutboundIn = Any

    /// A request head was decoded: reading headers is over.
    struct HeadReceived {}
    /// A response ended: the next bytes begin a new request head.
    struct ResponseEnded {}

    private let timeout: TimeAmount
    /// Requests whose head has arrived and whose response has not ended. Counted rather than flagged because a
    /// pipelined request's head can arrive before the previous response ends; bytes are head bytes only at zero.
    private var requestsInFlight = 0
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if requestsInFlight == 0, timer == nil {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: timeout) { loopBound.value.close(promise: nil) }
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event {
        case is HeadReceived:
            requestsInFlight += 1
            cancelTimer()
            promise?.succeed()
        case is ResponseEnded:
            requestsInFlight = max(0, requestsInFlight - 1)
            promise?.succeed()
        default:
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

/// The decoded-side half of `HeaderReadTimer`: reports request heads and response ends to it.
final class HeaderReadMarker: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            context.triggerUserOutboundEvent(HeaderReadTimer.HeadReceived(), promise: nil)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd = if case .end = unwrapOutboundIn(data) { true } else { false }
        context.write(data, promise: promise)
        if isEnd { context.triggerUserOutboundEvent(HeaderReadTimer.ResponseEnded(), promise: nil) }
    }
}
