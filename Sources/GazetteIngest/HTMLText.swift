import CLibXML2
import Foundation

/// Turns untrusted HTML into plain text with libxml2's forgiving HTML parser: tags dropped,
/// entities decoded, script and style content removed, blocks separated by line breaks.
public enum HTMLText {
    /// Elements whose content is never text a reader should see.
    private static let skipped: Set<String> = ["script", "style", "noscript", "template", "head", "iframe", "object"]
    /// Elements that end a line of text.
    private static let blocks: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote",
        "section", "article", "header", "footer", "figure", "figcaption", "pre", "hr", "dd", "dt",
    ]

    /// Plain text of an HTML fragment: one line per block, spaces collapsed, at most `limit` characters.
    public static func plainText(fromHTML html: String, limit: Int = 100_000) -> String {
        // Most titles and many descriptions are plain text already: skip the parser for them.
        guard html.contains(where: { $0 == "<" || $0 == "&" }) else {
            return collapse([html]).prefix(limit).description
        }
        LibXML2.initialize
        var bytes = Array(html.utf8)
        bytes.append(0)
        let options = Int32(
            HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue
                | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NOIMPLIED.rawValue
        )
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                htmlReadMemory($0, Int32(buffer.count - 1), nil, "UTF-8", options)
            }
        }
        guard let document else { return "" }
        defer { xmlFreeDoc(document) }
        var lines: [String] = [""]
        var child = document.pointee.children
        while let node = child {
            collect(node, into: &lines, budget: limit)
            child = node.pointee.next
        }
        return String(collapse(lines).prefix(limit))
    }

    /// Plain text on one line, for titles.
    public static func plainTextLine(_ html: String, limit: Int = 1_000) -> String {
        plainText(fromHTML: html, limit: limit).replacingOccurrences(of: "\n", with: " ")
    }

    /// Escapes text for inclusion in HTML.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    private enum Step {
        case visit(xmlNodePtr)
        case endLine
    }

    /// Depth-first over the tree, iterative so that deeply nested hostile markup cannot
    /// exhaust the stack. A block element starts a new line and the text after it does too.
    private static func collect(_ start: xmlNodePtr, into lines: inout [String], budget: Int) {
        var stack: [Step] = [.visit(start)]
        var length = 0
        while let step = stack.popLast(), length < budget {
            guard case .visit(let node) = step else {
                lines.append("")
                continue
            }
            switch node.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = node.pointee.content {
                    let text = String(cString: content)
                    lines[lines.count - 1] += text
                    length += text.utf8.count
                }
            case XML_ELEMENT_NODE:
                let name = node.pointee.name.map { String(cString: $0).lowercased() } ?? ""
                if skipped.contains(name) { continue }
                let isBlock = blocks.contains(name)
                if isBlock {
                    lines.append("")
                    stack.append(.endLine)
                }
                // Push children in reverse so they pop in document order.
                var children: [Step] = []
                var child = node.pointee.children
                while let current = child {
                    children.append(.visit(current))
                    child = current.pointee.next
                }
                stack.append(contentsOf: children.reversed())
            default:
                break
            }
        }
    }

    /// Collapses runs of whitespace inside each line and drops empty lines.
    private static func collapse(_ lines: [String]) -> String {
        lines.flatMap { $0.split(whereSeparator: \.isNewline) }
            .map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
    }
}
