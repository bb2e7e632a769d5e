namespace DrsGraph.Emulator.Drs;

/// <summary>The DRS / API gateway error codes the emulator answers with, and their English messages.</summary>
public static class DrsErrors
{
    public const string TokenMissing = "APIGW.0301";
    public const string Throttled = "APIGW.0308";
    public const string InvalidProject = "DRS.M00261";
    public const string EmptyList = "DRS.M00201";
    public const string InvalidValue = "DRS.M00202";
    public const string Duplicate = "DRS.M00301";
    public const string InvalidPage = "DRS.M00210";
    public const string PageOverLimit = "DRS.M00211";
    public const string JobNotFound = "DRS.M00289";
    public const string JobDeleted = "DRS.M05004";
    public const string ServiceAbnormal = "DRS.M00004";

    public const string TokenMissingMessage = "Incorrect IAM authentication information: x-auth-token not found";
    public const string ThrottledMessage = "policy user over ratelimit";
    public const string InvalidProjectMessage = "Invalid project ID.";
    public const string EmptyListMessage = "The job list cannot be empty.";
    public const string InvalidValueMessage = "Invalid parameter value.";
    public const string InvalidJobIdMessage = "The value of jobId is invalid.";
    public const string DuplicateMessage = "Duplicate job IDs exist.";
    public const string InvalidPageMessage = "The paging parameter is invalid.";
    public const string PageOverLimitMessage = "The page number exceeds the maximum number of pages.";
    public const string UseTypeRequiredMessage = "The parameter db_use_type is required.";
    public const string InvalidUseTypeMessage = "The value of db_use_type is invalid: use migration, sync or cloudDataGuard.";
    public const string InvalidStatusMessage = "The value of status is invalid.";
    public const string InvalidNetTypeMessage = "The value of net_type is invalid: use vpn, vpc or eip.";
    public const string TooManyIdsMessage = "At most 100 job IDs can be given in name.";
    public const string JobNotFoundMessage = "The job does not exist.";
    public const string JobDeletedMessage = "The job has been deleted or released.";

    /// <summary>Message for an injected failure code: the known text where there is one.</summary>
    public static string MessageFor(string code) => code switch
    {
        ServiceAbnormal => "Service abnormal.",
        "DRS.M01503" => "Operation too frequent.",
        "DRS.M00100" => "Invalid token.",
        "DRS.M00102" => "Insufficient permissions.",
        Throttled => ThrottledMessage,
        _ => "Injected failure.",
    };
}
