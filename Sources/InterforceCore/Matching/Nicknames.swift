// Nicknames: Bob is Robert, Peggy is Margaret, so that a person booked under a familiar name still matches.
//
// An officer writes the name the person gives; another force writes the name on a driving licence. The table maps
// each familiar form (and a few standard alternative spellings) to the formal names it can stand for. Some forms
// stand for more than one name (Alex: Alexander or Alexandra; Pat: Patrick or Patricia), so a name maps to a set,
// and two forenames are equivalent when their sets meet. The table is deliberately conservative: a form is listed
// only where British usage makes it a customary short form, because every entry also lets two different people
// look alike. Names not in the table stand only for themselves.

public enum Nicknames {
    /// Formal name, then the familiar forms and variant spellings that can stand for it.
    static let table: [(String, [String])] = [
        ("ABIGAIL", ["ABBY", "ABBIE", "ABI", "GAIL"]),
        ("ALBERT", ["AL", "BERT", "BERTIE"]),
        ("ALEXANDER", ["ALEX", "ALEC", "ALI", "SANDY", "XANDER"]),
        ("ALEXANDRA", ["ALEX", "ALEXA", "LEXI", "SANDRA", "SANDY"]),
        ("ALFRED", ["ALF", "ALFIE", "FRED", "FREDDIE"]),
        ("ANDREW", ["ANDY", "DREW"]),
        ("ANNE", ["ANN", "ANNIE", "NAN", "NANCY"]),
        ("ANTHONY", ["TONY", "ANT"]),
        ("BARBARA", ["BARB", "BABS"]),
        ("BENJAMIN", ["BEN", "BENNY", "BENJI"]),
        ("BERNARD", ["BERNIE"]),
        ("CATHERINE", ["CATH", "CATHY", "KATE", "KATIE", "KATHY", "KAT", "KITTY", "KATHERINE", "KATHRYN",
                       "CATHRYN"]),
        ("CHARLES", ["CHARLIE", "CHAS", "CHUCK"]),
        ("CHARLOTTE", ["CHARLIE", "LOTTIE"]),
        ("CHRISTINE", ["CHRIS", "CHRISTINA", "TINA"]),
        ("CHRISTOPHER", ["CHRIS", "KIT"]),
        ("DANIEL", ["DAN", "DANNY"]),
        ("DAVID", ["DAVE", "DAVEY", "DAI"]),
        ("DEBORAH", ["DEBBIE", "DEBRA", "DEB"]),
        ("DONALD", ["DON", "DONNIE"]),
        ("DOROTHY", ["DOT", "DOTTIE", "DOLLY"]),
        ("DOUGLAS", ["DOUG"]),
        ("EDWARD", ["ED", "EDDIE", "NED", "TED", "TEDDY"]),
        ("ELEANOR", ["ELLIE", "NELL", "NELLIE", "NORA"]),
        ("ELIZABETH", ["LIZ", "LIZZIE", "BETH", "BETTY", "BESS", "BESSIE", "ELSIE", "LIBBY", "ELIZA"]),
        ("FRANCES", ["FRAN", "FRANNIE"]),
        ("FRANCIS", ["FRANK", "FRAN"]),
        ("FREDERICK", ["FRED", "FREDDIE", "FREDDY"]),
        ("GARY", ["GAZ"]),
        ("GEOFFREY", ["GEOFF", "JEFF", "JEFFREY"]),
        ("GERALD", ["GERRY", "JERRY"]),
        ("GREGORY", ["GREG"]),
        ("HAROLD", ["HARRY", "HAL"]),
        ("HENRY", ["HARRY", "HAL", "HANK"]),
        ("JACQUELINE", ["JACKIE", "JACKY"]),
        ("JAMES", ["JIM", "JIMMY", "JAMIE"]),
        ("JENNIFER", ["JEN", "JENNY", "JENNI"]),
        ("JESSICA", ["JESS", "JESSIE"]),
        ("JOHN", ["JACK", "JOHNNY", "JON", "JONNY"]),
        ("JONATHAN", ["JON", "JONNY"]),
        ("JOSEPH", ["JOE", "JOEY", "JO"]),
        ("JOSEPHINE", ["JO", "JOSIE"]),
        ("KENNETH", ["KEN", "KENNY"]),
        ("LAWRENCE", ["LAURENCE", "LARRY", "LAURIE"]),
        ("LEONARD", ["LEN", "LENNY"]),
        ("MARGARET", ["MAGGIE", "MEG", "PEGGY", "PEG", "MADGE", "MARGE", "MARGIE", "GRETA"]),
        ("MARY", ["MOLLY", "POLLY", "MAE"]),
        ("MATTHEW", ["MATT", "MATTY"]),
        ("MICHAEL", ["MIKE", "MICK", "MICKY", "MICKEY", "MIKEY"]),
        ("NATHANIEL", ["NAT", "NATE", "NATHAN"]),
        ("NICHOLAS", ["NICK", "NICKY"]),
        ("NICOLA", ["NICKY", "NIKKI"]),
        ("OLIVER", ["OLLIE", "OLLY"]),
        ("OLIVIA", ["LIV", "LIVVY"]),
        ("PATRICIA", ["PAT", "PATSY", "PATTY", "TRISH", "TRICIA"]),
        ("PATRICK", ["PAT", "PADDY"]),
        ("PETER", ["PETE"]),
        ("PHILIP", ["PHIL", "PHILLIP", "PIP"]),
        ("RAYMOND", ["RAY"]),
        ("REBECCA", ["BECKY", "BECCA", "BEX"]),
        ("RICHARD", ["RICH", "RICHIE", "RICK", "RICKY", "DICK"]),
        ("ROBERT", ["BOB", "BOBBY", "ROB", "ROBBIE", "BERT"]),
        ("RONALD", ["RON", "RONNIE"]),
        ("SAMANTHA", ["SAM", "SAMMY"]),
        ("SAMUEL", ["SAM", "SAMMY"]),
        ("SARAH", ["SALLY", "SADIE", "SARA"]),
        ("STEPHEN", ["STEVE", "STEVEN", "STEVIE"]),
        ("STUART", ["STU", "STEWART"]),
        ("SUSAN", ["SUE", "SUSIE", "SUZY"]),
        ("TERENCE", ["TERRY", "TEL"]),
        ("TERESA", ["TERRY", "TESS", "TESSA", "THERESA"]),
        ("THOMAS", ["TOM", "TOMMY"]),
        ("TIMOTHY", ["TIM", "TIMMY"]),
        ("VICTORIA", ["VICKY", "VICKI", "TORI"]),
        ("WILLIAM", ["BILL", "BILLY", "WILL", "WILLIE", "LIAM"]),
        ("ZACHARY", ["ZAC", "ZACK"]),
    ]

    private static let formsOf: [String: [String]] = {
        var map: [String: Set<String>] = [:]
        for (formal, forms) in table {
            map[formal, default: []].insert(formal)
            for form in forms { map[form, default: []].insert(formal) }
        }
        return map.mapValues { $0.sorted() }
    }()

    /// The formal names a folded forename can stand for, sorted; `[name]` when the table does not know it.
    public static func formalNames(_ name: String) -> [String] { formsOf[name] ?? [name] }

    /// Whether two folded forenames can name the same person (Bob and Robert; Bob and Robbie): their formal names
    /// meet. PersonMatcher applies the same test to formal names it computed once per record.
    public static func equivalent(_ a: String, _ b: String) -> Bool {
        formalNames(a).contains(where: formalNames(b).contains)
    }
}
