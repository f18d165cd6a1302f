import AWSWire
import Hummingbird
import NIOCore

/// Building S3's REST-XML answers.
public enum S3Response {
    static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"
    static let ownerID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
    static let ownerName = "sagebox"

    static func xml(_ writer: XMLWriter, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/xml"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }

    static func empty(_ status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentLength] = "0"
        return Response(status: status, headers: headers)
    }

    /// S3's `<Error>`; HEAD answers carry no body, so clients see only the status.
    public static func errorResponse(_ error: AWSError, requestID: String, resource: String, isHead: Bool) -> Response {
        var headers: HTTPFields = [:]
        for header in error.headers { S3Headers.set(&headers, header.name, header.value) }
        let status = HTTPResponse.Status(code: error.status)
        if isHead {
            headers[.contentLength] = "0"
            return Response(status: status, headers: headers)
        }
        var writer = XMLWriter()
        writer.element("Error") { w in
            w.element("Code", error.code)
            w.element("Message", error.message)
            for detail in error.details { w.element(detail.name, detail.value) }
            w.element("Resource", resource)
            w.element("RequestId", requestID)
        }
        return xml(writer, status: status, headers: headers)
    }

    static func owner(_ w: inout XMLWriter, _ name: String = "Owner") {
        w.element(name) { o in
            o.element("ID", ownerID)
            o.element("DisplayName", ownerName)
        }
    }
}
