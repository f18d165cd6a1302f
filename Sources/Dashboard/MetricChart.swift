import Foundation

/// A line chart of one metric over the job's time, drawn here as SVG: no charting library to ship, and the chart
/// is in the page before any script runs.
struct MetricChart {
    let name: String
    let regex: String
    /// Seconds since the job's creation, and the value.
    let points: [(seconds: Double, value: Double)]

    static let width = 520.0
    static let height = 220.0
    static let left = 56.0, right = 12.0, top = 12.0, bottom = 30.0

    func render() -> Markup {
        """
        <figure class="chart" data-metric="\(name)">
        <figcaption>\(name) <span class="muted">\(points.last.map { "last \(Format.number($0.value))" } ?? "no values yet")</span></figcaption>
        \(svg())
        <div class="muted"><code>\(regex)</code> · \(points.count) value\(points.count == 1 ? "" : "s")</div>
        </figure>
        """
    }

    func svg() -> Markup {
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        guard let first = points.first else {
            return """
                <svg class="metric" role="img" aria-label="\(name): no values yet" width="\(Int(Self.width))" height="\(Int(Self.height))" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))"><text x="\(Int(Self.width / 2))" y="\(Int(Self.height / 2))" text-anchor="middle" fill="#5f6b7a">no values yet</text></svg>
                """
        }
        let xs = points.map(\.seconds), ys = points.map(\.value)
        let (x0, x1) = Self.padded(xs.min() ?? first.seconds, xs.max() ?? first.seconds)
        let (y0, y1) = Self.padded(ys.min() ?? first.value, ys.max() ?? first.value)
        func x(_ value: Double) -> Double { Self.left + (value - x0) / (x1 - x0) * plotWidth }
        func y(_ value: Double) -> Double { Self.top + (1 - (value - y0) / (y1 - y0)) * plotHeight }

        var parts: [Markup] = []
        for tick in Self.ticks(y0, y1) {
            let position = Self.coordinate(y(tick))
            parts.append(
                "<line x1=\"\(Self.coordinate(Self.left))\" x2=\"\(Self.coordinate(Self.width - Self.right))\" y1=\"\(position)\" y2=\"\(position)\" stroke=\"#eaeef2\"/><text x=\"\(Self.coordinate(Self.left - 6))\" y=\"\(position)\" dy=\"4\" text-anchor=\"end\" font-size=\"11\" fill=\"#5f6b7a\">\(Format.number(tick))</text>"
            )
        }
        for tick in Self.ticks(x0, x1) where tick >= 0 {
            let position = Self.coordinate(x(tick))
            parts.append(
                "<text x=\"\(position)\" y=\"\(Self.coordinate(Self.height - 10))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#5f6b7a\">\(Format.duration(tick))</text>"
            )
        }
        let line = points.map { "\(Self.coordinate(x($0.seconds))),\(Self.coordinate(y($0.value)))" }.joined(separator: " ")
        parts.append("<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"\(line)\"/>")
        // Dots only while they stay apart; a long series reads better as a line.
        if points.count <= 120 {
            for point in points {
                parts.append(
                    "<circle class=\"point\" cx=\"\(Self.coordinate(x(point.seconds)))\" cy=\"\(Self.coordinate(y(point.value)))\" r=\"2.5\" fill=\"#1f6feb\"><title>\(Format.duration(point.seconds)): \(Format.number(point.value))</title></circle>"
                )
            }
        }
        return """
            <svg class="metric" role="img" aria-label="\(name) over time" width="\(Int(Self.width))" height="\(Int(Self.height))" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" xmlns="http://www.w3.org/2000/svg">\(parts)</svg>
            """
    }

    /// A range with a little room around it, never empty (one point, or a flat series, still gets an axis).
    static func padded(_ low: Double, _ high: Double) -> (Double, Double) {
        if high - low < 1e-12 {
            let room = max(abs(low) * 0.1, 1)
            return (low - room, high + room)
        }
        let room = (high - low) * 0.05
        return (low - room, high + room)
    }

    /// About five round tick values (1, 2 or 5 × 10ⁿ apart) inside `[low, high]`.
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let raw = (high - low) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var ticks: [Double] = []
        var value = (low / step).rounded(.up) * step
        while value <= high && ticks.count < 12 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }

    static func coordinate(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
