/// Plain-text tables for the terminal: columns padded to their widest cell.
struct Table {
    let headers: [String]
    var rows: [[String]] = []
    /// Styles applied to a column's body cells after padding (colours must not count towards the width).
    var styles: [Int: (String) -> String] = [:]

    init(_ headers: String...) {
        self.headers = headers
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    func render() -> String {
        let widths = headers.indices.map { column in ([headers] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String], styled: Bool) -> String {
            var text = ""
            for (column, (cell, width)) in zip(cells, widths).enumerated() {
                if column > 0 { text += "  " }
                let padding = column == cells.count - 1 ? "" : String(repeating: " ", count: max(0, width - cell.count))
                text += (styled ? styles[column]?(cell) : nil) ?? cell
                text += padding
            }
            return text.trimmingTrailingSpaces()
        }
        return ([line(headers, styled: false)] + rows.map { line($0, styled: true) }).joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
