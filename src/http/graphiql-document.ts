// GraphiQL's opening document outside production: named operations a newcomer can run at once.

/** Signs in with a seeded demo account, then reads, steps up and signs out. Development data only. */
export const DEVELOPMENT_DOCUMENT = `# The Hogwarts API. Put the cursor in an operation and press Ctrl+Enter
# (or pick one from the Run button's menu). Start with SignIn: the session
# cookie it sets is sent with every later request from this page.
# Demo accounts (development only): harry / lumos-maxima-1991,
# luna / nargles-and-wrackspurts, mcgonagall / transfiguration-today.

mutation SignIn {
  login(username: "harry", password: "lumos-maxima-1991") {
    id
    username
    displayName
    house
  }
}

# Only when SignIn answered SECOND_FACTOR_REQUIRED: a code from your
# authenticator app or a recovery code. Passkeys: use /account.
mutation SecondStep {
  verifySecondFactor(code: "123456") {
    username
  }
}

query Me {
  me {
    username
    displayName
    role
    house
  }
}

query Students {
  students(house: GRYFFINDOR, first: 5) {
    totalCount
    edges {
      node {
        name
        year
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}

mutation SignOut {
  logout
}
`;
