using Lockbox.Vault.Protocol;
using Microsoft.AspNetCore.Diagnostics;

namespace Lockbox.Vault.Server.Http;

/// <summary>Renders a <see cref="VaultProblemException"/> as RFC 9457 problem details with its code (and tries left).</summary>
internal sealed class ProblemHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException bad)
        {
            exception = new VaultProblemException(bad.StatusCode, VaultErrorCodes.BadRequest, "The request could not be read.");
        }

        if (exception is not VaultProblemException problem)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status;
        var details = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = problem.Status,
            Title = problem.Code,
            Detail = problem.Message,
        };
        details.Extensions["code"] = problem.Code;
        if (problem.TriesLeft is int left)
        {
            details.Extensions["triesLeft"] = left;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception })
            .ConfigureAwait(false);
    }
}
