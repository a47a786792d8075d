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

        SetStatus(httpContext, problem);
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = Render(problem), Exception = exception })
            .ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="problem"/> as the reply, outside the exception handler (the rate limiters).</summary>
    public static async ValueTask WriteAsync(HttpContext httpContext, VaultProblemException problem)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(problem);
        SetStatus(httpContext, problem);
        var problems = httpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = Render(problem) }).ConfigureAwait(false);
    }

    /// <summary>The reply's status, and Retry-After (RFC 9110 §10.2.3) for a rate limit.</summary>
    private static void SetStatus(HttpContext httpContext, VaultProblemException problem)
    {
        httpContext.Response.StatusCode = problem.Status;
        if (problem.RetryAfterSeconds is int wait)
        {
            httpContext.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails Render(VaultProblemException problem)
    {
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

        if (problem.RetryAfterSeconds is int wait)
        {
            details.Extensions["retryAfter"] = wait;
        }

        if (problem.PasswordForm is { } form)
        {
            details.Extensions["passwordForm"] = form;
        }

        return details;
    }
}
