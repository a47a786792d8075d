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
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = Render(httpContext, problem), Exception = exception })
            .ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="problem"/> as the reply, outside the exception handler (the rate limiters).</summary>
    public static async ValueTask WriteAsync(HttpContext httpContext, VaultProblemException problem)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(problem);
        httpContext.Response.StatusCode = problem.Status;
        var problems = httpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = Render(httpContext, problem) }).ConfigureAwait(false);
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails Render(HttpContext httpContext, VaultProblemException problem)
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
            httpContext.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            details.Extensions["retryAfter"] = wait;
        }

        if (problem.PasswordForm is { } form)
        {
            details.Extensions["passwordForm"] = form;
        }

        return details;
    }
}
