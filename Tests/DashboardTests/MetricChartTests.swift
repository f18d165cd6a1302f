import Testing
@testable import Dashboard

@Suite struct MetricChartTests {
    @Test func ticksAreRoundAndInsideTheRange() {
        #expect(MetricChart.ticks(0, 10) == [0, 2, 4, 6, 8, 10])
        let fractions = MetricChart.ticks(0.13, 0.91)
        #expect(fractions.count == 4 && abs(fractions[0] - 0.2) < 1e-9 && abs(fractions[3] - 0.8) < 1e-9)
        #expect(MetricChart.ticks(-1, 1).contains(0))
    }

    @Test func aSeriesBecomesAPolylineWithAPointPerValue() {
        let chart = MetricChart(name: "loss", regex: "loss=([0-9.]+)", points: [(1, 0.9), (2, 0.5), (3, 0.25)])
        let svg = chart.svg().html
        #expect(svg.contains("<polyline"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 3)
        #expect(chart.render().html.contains("last 0.25"))
    }

    @Test func aFlatOrEmptySeriesStillDraws() {
        #expect(MetricChart(name: "acc", regex: "", points: [(1, 1), (2, 1)]).svg().html.contains("<polyline"))
        #expect(MetricChart(name: "acc", regex: "", points: []).svg().html.contains("no values yet"))
    }
}
