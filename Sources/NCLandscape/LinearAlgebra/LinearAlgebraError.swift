/// Every failure of the linear-algebra layer. The wrappers are the only place that turns a
/// LAPACK `info` code into a Swift error, so callers never inspect raw codes.
public enum LinearAlgebraError: Error, CustomStringConvertible, Equatable {
    /// `info < 0`: argument `-info` was illegal (a bug in the wrapper, never user input).
    case illegalArgument(routine: String, argument: Int)
    /// `info > 0`: the routine itself failed (no convergence, singular pivot, …).
    case computationFailed(routine: String, info: Int, meaning: String)
    case dimensionMismatch(String)
    case nonFiniteInput(routine: String)

    public var description: String {
        switch self {
        case let .illegalArgument(r, a):
            return "LAPACK \(r): argument \(a) had an illegal value (info = -\(a))"
        case let .computationFailed(r, info, meaning):
            return "LAPACK \(r) failed with info = \(info): \(meaning)"
        case let .dimensionMismatch(s):
            return "dimension mismatch: \(s)"
        case let .nonFiniteInput(r):
            return "\(r): input contains NaN or Inf"
        }
    }

    /// Converts a LAPACK return code; `meaning` explains a positive `info` for this routine.
    static func check(_ info: Int32, _ routine: String, meaning: (Int) -> String) throws {
        if info == 0 { return }
        if info < 0 { throw illegalArgument(routine: routine, argument: Int(-info)) }
        throw computationFailed(routine: routine, info: Int(info), meaning: meaning(Int(info)))
    }
}
