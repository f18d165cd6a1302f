/// The toolkit's `mapping.py`: hyperparameters to argv, values to environment variables.
enum ToolkitMapping {
    /// `mapping.to_cmd_args`: keys sorted by code point; `--key`, or `-k` for a one-character key (an empty key
    /// gives an empty argument); values through `str()`, except `None` → `""` and a dict → `k1=v1,k2=v2` with
    /// sorted keys and each value through `str()` (so a nested `None` stays `None`).
    static func commandArgs(_ hyperparameters: PythonDict) -> [String] {
        hyperparameters.sortedEntries.flatMap { entry -> [String] in
            let count = entry.key.unicodeScalars.count
            let name = count == 0 ? "" : (count == 1 ? "-" : "--") + entry.key
            let value: String
            switch entry.value {
            case .none: value = ""
            case .dict(let d): value = d.sortedEntries.map { "\($0.key)=\($0.value.pythonStr)" }.joined(separator: ",")
            default: value = entry.value.pythonStr
            }
            return [name, value]
        }
    }

    /// `mapping.to_env_vars`' value format: a `str` as is, `None` as `""`, anything else as compact sorted JSON.
    static func envValue(_ value: PythonValue) -> String {
        switch value {
        case .string(let s): s
        case .none: ""
        default: value.compactJSON
        }
    }

    /// `mapping.to_env_vars`' key format: `"SM_" + key.upper()`, with Python's full, locale-independent case
    /// mapping applied per code point (`ß` → `SS`).
    static func envName(_ key: String) -> String {
        var out = "SM_"
        for scalar in key.unicodeScalars { out += scalar.properties.uppercaseMapping }
        return out
    }
}
