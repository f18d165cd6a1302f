/// The entry-point name rules of sagemaker-training 5.1.4 (`process.validate_entry_point`) and the shell quoting
/// of its `/bin/sh -c` command line (`shlex.quote`).
public enum EntryPointName {
    /// `validate_entry_point`: empty (any falsy value) is refused; otherwise the name must match
    /// `^[A-Za-z0-9._][A-Za-z0-9._+-]*(/[A-Za-z0-9._+-]+)*$` and have no `.` or `..` segment. The messages are the
    /// toolkit's, with the name and characters in Python `repr`.
    static func validate(_ value: PythonValue?) throws(ToolkitError) -> String {
        guard let value, value.isTruthy else {
            throw .clientError(
                "The training entry point name is empty. Set the 'sagemaker_program' "
                    + "hyperparameter (or ContainerEntrypoint) to the name of the script to run, "
                    + "relative to your source directory -- for example 'train.py' or 'train.sh'.")
        }
        guard case .string(let name) = value else {
            throw .frameworkError(type: "TypeError", message: "expected string or bytes-like object, got '\(value.pythonTypeName)'")
        }
        if !matchesSafePattern(name) {
            let unsupported = Set(name.unicodeScalars.filter { !isSafeCharacter($0) }).sorted { $0.value < $1.value }
            let detail: String
            if !unsupported.isEmpty {
                detail = "the character(s) " + unsupported.map { pythonStringRepr(String($0)) }.joined(separator: ", ")
            } else if name.hasPrefix("-") {
                detail = "a leading '-', which is read as a command-line option"
            } else if name.hasPrefix("/") {
                detail = "a leading '/', which makes it an absolute path"
            } else {
                detail = "an unsupported character at the start of the name"
            }
            throw .clientError(
                "The training entry point \(pythonStringRepr(name)) cannot be used because it contains \(detail). "
                    + "Rename the script so its name contains only letters, digits, '.', '_', "
                    + "'+', '-' and '/', and does not start with '-' or '/', then set the "
                    + "'sagemaker_program' hyperparameter (or ContainerEntrypoint) to the new name "
                    + "-- for example 'train.py' or 'bin/train.sh'.")
        }
        if name.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) {
            throw .clientError(
                "The training entry point \(pythonStringRepr(name)) cannot be used because it contains '.' or '..' "
                    + "path segments. The entry point must be a path inside your source directory. "
                    + "Set the 'sagemaker_program' hyperparameter (or ContainerEntrypoint) to a "
                    + "path relative to that directory -- for example 'train.py' or 'bin/train.sh'.")
        }
        return name
    }

    private static func isSafeCharacter(_ c: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(c) || ("a"..."z").contains(c) || ("0"..."9").contains(c) || "._+/-".unicodeScalars.contains(c)
    }

    /// The toolkit's `re.match` with `$`, which also matches just before a final `\n`: `"train.py\n"` passes.
    private static func matchesSafePattern(_ name: String) -> Bool {
        var scalars = Array(name.unicodeScalars)
        if scalars.last == "\n" { scalars.removeLast() }
        guard let first = scalars.first, isSafeCharacter(first), first != "+", first != "-", first != "/" else { return false }
        // After the first character: segments separated by single '/', none empty, none after a trailing '/'.
        var previousWasSlash = false
        for c in scalars.dropFirst() {
            guard isSafeCharacter(c) else { return false }
            if c == "/" {
                if previousWasSlash { return false }
                previousWasSlash = true
            } else {
                previousWasSlash = false
            }
        }
        return !previousWasSlash
    }

    /// `shlex.quote`: unchanged when non-empty and made only of `[A-Za-z0-9_@%+=:,./-]`, else single-quoted with
    /// each `'` written as `'"'"'`.
    public static func shellQuote(_ s: String) -> String {
        let safe = !s.isEmpty && s.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || "_@%+=:,./-".unicodeScalars.contains($0)
        }
        if safe { return s }
        return "'" + s.unicodeScalars.map { $0 == "'" ? "'\"'\"'" : String($0) }.joined() + "'"
    }
}
