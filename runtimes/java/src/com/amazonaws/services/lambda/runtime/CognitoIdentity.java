package com.amazonaws.services.lambda.runtime;

/** The Amazon Cognito identity of the caller, when there is one. */
public interface CognitoIdentity {
    String getIdentityId();

    String getIdentityPoolId();
}
