import GazetteApp
import HTTPTypes
import Hummingbird

/// Counts every response by route pattern and status into Gazette's own metrics registry
/// (Hummingbird's MetricsMiddleware reports to the process-wide MetricsSystem instead).
struct RequestMetricsMiddleware: RouterMiddleware {
    let metrics: GazetteMetrics

    func handle(
        _ request: Request,
        context: WebRequestContext,
        next: (Request, WebRequestContext) async throws -> Response
    ) async throws -> Response {
        // The pattern, `/unsubscribe/{token}`: never the path, which holds secrets.
        let route = context.endpointPath ?? "unmatched"
        do {
            let response = try await next(request, context)
            metrics.httpResponse(route: route, status: Int(response.status.code))
            return response
        } catch {
            metrics.httpResponse(route: route, status: Int((error as? any HTTPResponseError)?.status.code ?? 500))
            throw error
        }
    }
}

extension WebRequestContext {
    /// Whether the client may read `/metrics`: it is on this machine and did not come through
    /// the reverse proxy (which runs on this machine too).
    func isLocalOperator(_ request: Request, trustForwardedFor: Bool) -> Bool {
        if trustForwardedFor, request.headers[.xForwardedFor] != nil { return false }
        guard let address = remoteAddress else { return true }  // no network peer: in-process tests
        switch address {
        case .v4: return address.ipAddress?.hasPrefix("127.") == true
        case .v6: return address.ipAddress == "::1"
        case .unixDomainSocket: return true
        }
    }
}
