import Testing
@testable import Runner

/// PythonValue against CPython: the tables in ToolkitPythonFixtures.swift come from
/// e2e/toolkit_reference/generate_swift_fixtures.py.
@Suite struct ToolkitPythonValueTests {
    @Test(arguments: decodeCases.indices)
    func decodedHyperparameterFormatsLikeCPython(_ index: Int) throws {
        let c = decodeCases[index]
        let value = try PythonValue.decodeHyperparameter(c.raw)
        #expect(value.compactJSON == c.json, "json.dumps of \(c.raw.debugDescription)")
        #expect(value.pythonStr == c.str, "str() of \(c.raw.debugDescription)")
    }

    @Test func floatReprMatchesCPythonForRandomAndBoundaryDoubles() {
        for (bits, expected) in floatReprCases {
            let d = Double(bitPattern: bits)
            #expect(PythonValue.float(d).pythonRepr == expected, "bits \(String(bits, radix: 16))")
        }
        #expect(PythonValue.float(.nan).pythonRepr == "nan")
        #expect(PythonValue.float(-.infinity).pythonRepr == "-inf")
        #expect(PythonValue.float(0).pythonRepr == "0.0")
        #expect(PythonValue.float(-0.0).pythonRepr == "-0.0")
    }

    @Test func stringReprMatchesCPython() {
        for (s, expected) in stringReprCases {
            #expect(PythonValue.string(s).pythonRepr == expected, "repr of \(s.debugDescription)")
            #expect(PythonValue.string(s).pythonStr == s)
        }
    }

    @Test func decodesToTheRightPythonTypes() throws {
        #expect(try PythonValue.jsonLoads("256") == .int(256))
        #expect(try PythonValue.jsonLoads("-0") == .int(0))
        #expect(try PythonValue.jsonLoads("9223372036854775808") == .bigInt("9223372036854775808"))
        #expect(try PythonValue.jsonLoads("-9223372036854775809") == .bigInt("-9223372036854775809"))
        #expect(try PythonValue.jsonLoads("1.0") == .float(1))
        #expect(try PythonValue.jsonLoads("1e400") == .float(.infinity))
        #expect(try PythonValue.jsonLoads("true") == .bool(true))
        #expect(try PythonValue.jsonLoads("null") == .none)
        #expect(try PythonValue.decodeHyperparameter("True") == .string("True"))
        #expect(try PythonValue.decodeHyperparameter("\"abc\"") == .string("abc"))
        #expect(try PythonValue.jsonLoads(#"[1, "a"]"#) == .list([.int(1), .string("a")]))
    }

    @Test func objectsKeepInsertionOrderAndDuplicateKeysKeepTheirFirstPosition() throws {
        let value = try PythonValue.jsonLoads(#"{"b": 1, "a": 2, "b": 3}"#)
        #expect(value == .dict(PythonDict([("b", .int(3)), ("a", .int(2))])))
        #expect(value.pythonRepr == "{'b': 3, 'a': 2}")
        #expect(value.compactJSON == #"{"a":2,"b":3}"#)
    }

    @Test func dictKeysAreCodePointsNotCanonicalEquivalents() {
        var d = PythonDict()
        d["\u{E9}"] = .int(1)
        d["e\u{301}"] = .int(2)
        #expect(d.count == 2)
        #expect(d["\u{E9}"] == .int(1))
        #expect(d["e\u{301}"] == .int(2))
        d["\u{E9}"] = nil
        #expect(d.keys == ["e\u{301}"])
    }

    @Test func loneSurrogatesAreRefusedNotAltered() {
        #expect(throws: PythonJSONError.loneSurrogate(0xD800)) { try PythonValue.decodeHyperparameter(#""\ud800""#) }
        #expect(throws: PythonJSONError.loneSurrogate(0xDC00)) { try PythonValue.decodeHyperparameter(#"["\udc00"]"#) }
        #expect(throws: PythonJSONError.loneSurrogate(0xD83D)) { try PythonValue.decodeHyperparameter(#""\ud83d\u0041""#) }
    }

    @Test func pythonEqualityAndMembership() throws {
        #expect(PythonValue.bool(true).pythonEquals(.int(1)))
        #expect(PythonValue.int(1).pythonEquals(.float(1.0)))
        #expect(!PythonValue.string("1").pythonEquals(.int(1)))
        #expect(PythonValue.dict(PythonDict([("a", .int(1)), ("b", .int(2))]))
            .pythonEquals(.dict(PythonDict([("b", .int(2)), ("a", .float(1))]))))
        #expect(try PythonValue.string("homogeneousCluster").pythonContains(.string("Cluster")))
        #expect(try PythonValue.list([.string("a")]).pythonContains(.string("a")))
        #expect(throws: ToolkitError.self) { try PythonValue.int(3).pythonContains(.string("a")) }
    }
}
