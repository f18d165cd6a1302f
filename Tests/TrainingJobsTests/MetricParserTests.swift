import Testing
@testable import TrainingJobs

@Suite struct MetricParserTests {
    @Test func groupOneIsParsedAsAFloat() {
        let parser = MetricParser([
            .init(name: "eval_accuracy", regex: #"eval_accuracy.*=\D*(.*?)$"#), .init(name: "loss", regex: #"'loss': ([0-9.e-]+)"#),
        ])
        #expect(parser.values(in: "eval_accuracy = 0.9123").map(\.value) == [0.9123])
        #expect(parser.values(in: "{'loss': 1e-05, 'epoch': 1.0}").map(\.name) == ["loss"])
        #expect(parser.values(in: "{'loss': 1e-05, 'epoch': 1.0}").first?.value == 1e-05)
        #expect(parser.values(in: "nothing here").isEmpty)
    }

    @Test func nonNumericCapturesAreIgnored() {
        let parser = MetricParser([.init(name: "m", regex: "m=(\\w+)")])
        #expect(parser.values(in: "m=abc").isEmpty)
        #expect(parser.values(in: "m=12").first?.value == 12)
    }

    @Test func pythonNamedGroupsAreTranslated() {
        let parser = MetricParser([.init(name: "acc", regex: #"(?P<value>[\d.]+) acc (?P=value)"#)])
        #expect(parser.values(in: "0.5 acc 0.5").first?.value == 0.5)
        #expect(parser.values(in: "0.5 acc 0.6").isEmpty)
    }

    @Test func pythonFloatAcceptsWhatFloatAccepts() {
        #expect(MetricParser.pythonFloat(" 3.5 ") == 3.5)
        #expect(MetricParser.pythonFloat("1_000") == 1000)
        #expect(MetricParser.pythonFloat("inf") == .infinity)
        #expect(MetricParser.pythonFloat("") == nil)
    }
}
