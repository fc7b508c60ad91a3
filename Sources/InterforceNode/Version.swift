// The software's version, as `interforce --version`, /healthz and /metrics (`interforce_build_info`) state it, so an
// admin can tell which build each node of the federation runs (before and after an upgrade, OPERATIONS.md §7).
// Raised with each release; the store's schema migrations are versioned separately, by name.

public enum InterforceVersion {
    public static let current = "0.13.0"
}
