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
